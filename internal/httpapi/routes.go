package httpapi

import (
	"net/http"
	"strings"

	"github.com/open-chat/openchat/internal/chat"
)

// addRoutes lists every route of the HTTP surface. docs/openapi.yaml must
// describe each one (TestOpenAPIMatchesRoutes).
func addRoutes(mux registrar, cfg Config, svc *chat.Service, deps Deps) {
	log, body, secure := deps.Log, cfg.MaxBodyBytes, cfg.SecureCookies
	auth := requireUser(log, svc, false)
	authWS := requireUser(log, svc, true) // also accepts ?token=
	handle := func(pattern string, h http.Handler) { mux.Handle(pattern, apiHeaders(h)) }

	handle("POST /api/v1/users", handleSignUp(log, svc, body))
	handle("POST /api/v1/sessions", handleSignIn(log, svc, body, secure, cfg.Secret))
	handle("DELETE /api/v1/sessions/current", auth(handleSignOut(log, svc, secure)))
	handle("GET /api/v1/me", auth(handleMe()))
	handle("PATCH /api/v1/me", auth(handleUpdateMe(log, svc, body)))
	handle("DELETE /api/v1/me", auth(handleDeleteAccount(log, svc, body, secure, self)))
	handle("GET /api/v1/me/export", auth(handleExport(log, svc, self)))
	handle("GET /api/v1/me/mentions", auth(handleMentions(log, svc)))
	handle("GET /api/v1/me/rooms", auth(handleMyRooms(log, svc)))
	handle("POST /api/v1/me/password", auth(handleChangePassword(log, svc, body)))
	handle("GET /api/v1/me/sessions", auth(handleSessions(log, svc)))
	handle("DELETE /api/v1/me/sessions", auth(handleEndAllSessions(log, svc, secure)))
	handle("DELETE /api/v1/me/sessions/{session_id}", auth(handleEndSession(log, svc, secure)))
	handle("POST /api/v1/me/email/verify", auth(handleResendVerification(log, svc)))
	handle("GET /api/v1/users", auth(handleSearchUsers(log, svc)))
	handle("GET /api/v1/search", auth(handleSearch(log, svc)))
	handle("GET /api/v1/rooms", auth(handleRooms(log, svc)))
	handle("POST /api/v1/rooms", auth(handleCreateRoom(log, svc, body)))
	handle("GET /api/v1/rooms/{room_id}", auth(handleRoom(log, svc)))
	handle("PATCH /api/v1/rooms/{room_id}", auth(handleUpdateRoom(log, svc, body)))
	handle("GET /api/v1/rooms/{room_id}/members", auth(handleMembers(log, svc)))
	handle("PUT /api/v1/rooms/{room_id}/members/{user_id}", auth(handleAddMember(log, svc)))
	handle("DELETE /api/v1/rooms/{room_id}/members/{user_id}", auth(handleRemoveMember(log, svc)))
	handle("PATCH /api/v1/rooms/{room_id}/members/{user_id}", auth(handleSetRole(log, svc, body)))
	handle("PUT /api/v1/rooms/{room_id}/read", auth(handleMarkRead(log, svc, body)))
	handle("POST /api/v1/dms", auth(handleOpenDirect(log, svc, body)))
	handle("GET /api/v1/rooms/{room_id}/messages", auth(handleMessages(log, svc)))
	handle("POST /api/v1/rooms/{room_id}/messages", auth(handlePostMessage(log, svc, body)))
	handle("PATCH /api/v1/rooms/{room_id}/messages/{seq}", auth(handleEditMessage(log, svc, body)))
	handle("DELETE /api/v1/rooms/{room_id}/messages/{seq}", auth(handleDeleteMessage(log, svc)))
	handle("GET /api/v1/rooms/{room_id}/messages/{seq}/replies", auth(handleReplies(log, svc)))
	handle("PUT /api/v1/rooms/{room_id}/messages/{seq}/reactions/{emoji}", auth(handleReact(log, svc, true)))
	handle("DELETE /api/v1/rooms/{room_id}/messages/{seq}/reactions/{emoji}", auth(handleReact(log, svc, false)))
	handle("POST /api/v1/rooms/{room_id}/messages/{seq}/report", auth(handleReportMessage(log, svc, body)))
	handle("GET /api/v1/reports", auth(handleReports(log, svc)))
	handle("PATCH /api/v1/reports/{report_id}", auth(handleResolveReport(log, svc, body)))
	handle("POST /api/v1/password-reset", handleRequestReset(log, svc, body, cfg.Secret))
	handle("POST /api/v1/password-reset/confirm", handleConfirmReset(log, svc, body))
	handle("GET /api/v1/admin/users", auth(handleAdminUsers(log, svc)))
	handle("PUT /api/v1/admin/users/{user_id}/deactivated", auth(handleDeactivate(log, svc, true)))
	handle("DELETE /api/v1/admin/users/{user_id}/deactivated", auth(handleDeactivate(log, svc, false)))
	handle("POST /api/v1/admin/users/{user_id}/password-reset", auth(handleAdminPasswordReset(log, svc, cfg.Secret)))
	handle("GET /api/v1/admin/rooms", auth(handleAdminRooms(log, svc)))
	handle("PUT /api/v1/admin/rooms/{room_id}/archived", auth(handleArchive(log, svc, true)))
	handle("DELETE /api/v1/admin/rooms/{room_id}/archived", auth(handleArchive(log, svc, false)))
	handle("DELETE /api/v1/admin/rooms/{room_id}", auth(handleDeleteRoom(log, svc)))
	handle("GET /api/v1/admin/audit", auth(handleAudit(log, svc)))
	handle("GET /api/v1/admin/users/{user_id}/export", auth(handleExport(log, svc, byPath)))
	handle("DELETE /api/v1/admin/users/{user_id}", auth(handleDeleteAccount(log, svc, body, secure, byPath)))
	handle("POST /api/v1/uploads", auth(handleUpload(log, svc)))
	handle("GET /api/v1/uploads/{upload_id}", auth(handleFile(log, svc, false)))
	handle("GET /api/v1/uploads/{upload_id}/thumb", auth(handleFile(log, svc, true)))
	handle("GET /api/v1/files/{upload_id}", handleSignedFile(log, svc, false))
	handle("GET /api/v1/files/{upload_id}/thumb", handleSignedFile(log, svc, true))
	handle("GET /api/v1/ws", authWS(handleWS(log, deps.WS)))
	handle("GET /api/v1/unsubscribe", handleUnsubscribePage(log, cfg.Secret))
	handle("POST /api/v1/unsubscribe", handleUnsubscribe(log, svc, cfg.Secret, body))
	handle("GET /api/v1/verify-email", handleVerifyEmailPage(log, svc, cfg.Secret))
	handle("POST /api/v1/verify-email", handleVerifyEmail(log, svc, cfg.Secret, body))
	handle("GET /api/v1/openapi.yaml", handleOpenAPI())
	handle("GET /healthz", handleHealthz(cfg.Version))
	handle("GET /readyz", handleReadyz(log, svc))
	// Everything else: 405 for a known path, 404 under the reserved
	// prefixes, the web client otherwise.
	mux.Handle("/", handleFallback(log, mux, deps.Web))
}

// registrar is what addRoutes needs of a router; *http.ServeMux is one.
type registrar interface {
	Handle(pattern string, h http.Handler)
	Handler(r *http.Request) (h http.Handler, pattern string)
}

// Route is one method and path of the HTTP surface, as in docs/openapi.yaml.
type Route struct {
	Method string
	Path   string // with {params}
}

// Routes returns every route addRoutes registers, in order, without the
// catch-all of the web client.
func Routes() []Route {
	var l routeList
	addRoutes(&l, Config{}, nil, Deps{})
	return l
}

type routeList []Route

func (l *routeList) Handle(pattern string, _ http.Handler) {
	if method, path, ok := strings.Cut(pattern, " "); ok {
		*l = append(*l, Route{Method: method, Path: path})
	}
}

func (l *routeList) Handler(*http.Request) (http.Handler, string) { return nil, "" }
