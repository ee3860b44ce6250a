package chat

import (
	"context"
	"strings"
	"unicode/utf8"
)

// ReportMessage reports a message of a room the actor may read, with a
// reason. A report costs what a post costs (LimitPosts). Errors: EINVALID
// (reason; one's own message), ENOTFOUND (room, message), ECONFLICT (the
// actor's report of it is still open), ERATELIMITED.
func (s *Service) ReportMessage(ctx context.Context, actor User, roomID string, seq int64, reason string) (Report, error) {
	if err := s.Limit(ctx, LimitPosts, actor.ID); err != nil {
		return Report{}, err
	}
	reason = strings.TrimSpace(reason)
	if err := CheckText("reason", reason, TextBody); err != nil {
		return Report{}, err
	}
	if n := utf8.RuneCountInString(reason); n < 1 || n > ReportReasonMaxLen {
		return Report{}, Invalid("reason", "must be 1 to %d characters", ReportReasonMaxLen)
	}
	a, m, err := s.changeable(ctx, actor, roomID, seq)
	if err != nil {
		return Report{}, err
	}
	if m.Author.ID == actor.ID {
		return Report{}, Invalid("seq", "you cannot report your own message")
	}
	r := Report{ID: NewID(), Room: RoomRef{ID: roomID, Name: a.meta.room.Name, Visibility: a.meta.vis}, Seq: seq,
		MessageID: m.ID, Message: ReportedMsg{Author: m.Author, Body: m.Body}, Reporter: actor.Ref(), Reason: reason,
		Status: ReportOpen, CreatedAt: NewTime(s.now())}
	if err := s.store.CreateReport(ctx, r); err != nil {
		return Report{}, err
	}
	return r, nil
}

// ReportPage is a page of the moderation queue and the cursor of the next.
type ReportPage struct {
	Reports    []Report `json:"reports"`
	NextCursor string   `json:"next_cursor"`
}

// Reports pages the moderation queue: every room's reports for an admin,
// those of the rooms the actor owns or moderates for anyone else (none for
// who moderates nothing). Error: EINVALID.
func (s *Service) Reports(ctx context.Context, actor User, q ReportQuery) (ReportPage, error) {
	switch {
	case q.Status == "":
		q.Status = ReportOpen
	case !q.Status.Valid():
		return ReportPage{}, Invalid("status", "must be open, resolved or dismissed")
	}
	switch {
	case q.Limit == 0:
		q.Limit = ReportsDefaultLimit
	case q.Limit < 0 || q.Limit > ReportsMaxLimit:
		return ReportPage{}, Invalid("limit", "must be 1 to %d", ReportsMaxLimit)
	}
	if q.Before != "" && !ValidID(q.Before) {
		return ReportPage{}, Invalid("cursor", "is not a cursor this server gave out")
	}
	q.ModeratorID = ""
	if requireAdmin(actor) != nil {
		q.ModeratorID = actor.ID
	}
	limit := q.Limit
	q.Limit++
	rs, err := s.store.Reports(ctx, q)
	if err != nil {
		return ReportPage{}, err
	}
	p := ReportPage{Reports: rs}
	if len(rs) > limit {
		p.Reports = rs[:limit]
		p.NextCursor = rs[limit-1].ID
	}
	return p, nil
}

// ResolveReport closes an open report as resolved or dismissed, with a
// short note of what was done; admins may close any, owners and
// moderators those of their rooms. Errors: ENOTFOUND (also for a report
// the actor may not see), EINVALID, ECONFLICT (already closed).
func (s *Service) ResolveReport(ctx context.Context, actor User, id string, status ReportStatus, action string) (Report, error) {
	if !ValidID(id) {
		return Report{}, errReportNotFound
	}
	if status != ReportResolved && status != ReportDismissed {
		return Report{}, Invalid("status", "must be resolved or dismissed")
	}
	action = strings.TrimSpace(action)
	if err := CheckText("action", action, TextLine); err != nil {
		return Report{}, err
	}
	if utf8.RuneCountInString(action) > ReportActionMaxLen {
		return Report{}, Invalid("action", "must be at most %d characters", ReportActionMaxLen)
	}
	r, err := s.store.ReportByID(ctx, id)
	if err != nil {
		return Report{}, err
	}
	if requireAdmin(actor) != nil {
		role, err := s.memberRole(ctx, r.Room.ID, actor.ID)
		if err != nil {
			return Report{}, err
		}
		if !role.manages() {
			return Report{}, errReportNotFound
		}
	}
	verb := AuditReportResolve
	if status == ReportDismissed {
		verb = AuditReportDismiss
	}
	audit := newAudit(actor.Ref(), verb, AuditTargetReport, id, map[string]any{"room_id": r.Room.ID, "seq": r.Seq,
		"reporter": r.Reporter.Username, "action": action}, s.now())
	return s.store.ResolveReport(ctx, id, status, actor.Ref(), action, s.now(), audit)
}

var errReportNotFound = Errorf(ENOTFOUND, "report not found")
