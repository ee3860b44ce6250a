package httpapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// Rate limits are decided in the service (chat.Service.Limit); this file
// turns a refusal into headers and carries the signed device cookie that
// lets an account's owner skip the per-account sign-in budget
// (docs/security.md, "Rate limits").

// setRateLimitHeaders describes a refusal with Retry-After (RFC 9110) and
// the RateLimit-Policy and RateLimit fields of
// draft-ietf-httpapi-ratelimit-headers-10: the policy's quota q per window
// w seconds, the remaining quota r and the seconds t until it is whole.
func setRateLimitHeaders(h http.Header, e *chat.RateLimitError) {
	name := strconv.Quote(e.Limit.Name) // an sf-string: names are [a-z-]
	h.Set("Retry-After", strconv.FormatInt(ceilSeconds(e.Decision.RetryAfter, 1), 10))
	h.Set("RateLimit-Policy", name+";q="+strconv.Itoa(e.Limit.Quota)+";w="+strconv.FormatInt(ceilSeconds(e.Limit.Window, 1), 10))
	h.Set("RateLimit", name+";r="+strconv.Itoa(e.Decision.Remaining)+";t="+strconv.FormatInt(ceilSeconds(e.Decision.Reset, 0), 10))
}

func ceilSeconds(d time.Duration, least int64) int64 {
	return max(least, int64(math.Ceil(d.Seconds())))
}

// Device cookie: after a successful sign-in the browser gets a cookie,
// signed with the server's secret, naming the account; sign-ins to that
// account that present it skip the per-account budget.
const (
	DeviceCookie    = "openchat_device"
	deviceCookieTTL = 180 * 24 * time.Hour
	devicePath      = "/api/v1/sessions"
)

func deviceMAC(secret []byte, payload string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("device\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// deviceCookie vouches for account until now+deviceCookieTTL.
func deviceCookie(secret []byte, account string, now time.Time, secure bool) *http.Cookie {
	payload := base64.RawURLEncoding.EncodeToString([]byte(account)) + "." +
		strconv.FormatInt(now.Add(deviceCookieTTL).Unix(), 10)
	return &http.Cookie{Name: DeviceCookie, Value: payload + "." + deviceMAC(secret, payload), Path: devicePath,
		MaxAge: int(deviceCookieTTL.Seconds()), HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// deviceAccount returns the account r's device cookie vouches for, or ""
// when there is none, it is forged or expired, or there is no secret.
func deviceAccount(r *http.Request, secret []byte, now time.Time) string {
	c, err := r.Cookie(DeviceCookie)
	if err != nil || len(secret) == 0 {
		return ""
	}
	i := strings.LastIndexByte(c.Value, '.')
	if i < 0 || !hmac.Equal([]byte(c.Value[i+1:]), []byte(deviceMAC(secret, c.Value[:i]))) {
		return ""
	}
	enc, exp, _ := strings.Cut(c.Value[:i], ".")
	until, err := strconv.ParseInt(exp, 10, 64)
	account, err2 := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || err2 != nil || now.Unix() > until {
		return ""
	}
	return string(account)
}
