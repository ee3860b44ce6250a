// Package origin holds the one rule that decides which browser origins may
// call the API (CORS) and open WebSockets: the --allowed-origins list.
package origin

import (
	"net/url"
	"path"
	"strings"
)

// Allowed reports whether a browser Origin header matches one of patterns:
// "scheme://host[:port]", or "host[:port]" for any scheme, with '*' as in
// shell patterns ("https://*.example.org"). Matching ignores case. The
// opaque origin "null" and an empty one never match.
func Allowed(origin string, patterns []string) bool {
	u, err := url.Parse(origin)
	if origin == "" || err != nil || u.Scheme == "" || u.Host == "" {
		return false
	}
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimRight(p, "/"))
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(p, strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}
