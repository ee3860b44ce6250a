package main

import (
	"errors"
	"flag"
	"time"

	"github.com/open-chat/openchat/internal/chat"
)

// limitFlag sets one rate limit from "QUOTA/WINDOW" or "off".
type limitFlag struct{ l *chat.Limit }

func (f limitFlag) String() string {
	if f.l == nil {
		return ""
	}
	return f.l.String()
}

func (f limitFlag) Set(s string) error {
	l, err := chat.ParseLimit(f.l.Name, s)
	if err != nil {
		return err
	}
	*f.l = l
	return nil
}

// defineLimitFlags adds --ratelimit-<name> for every limit, defaulting to
// chat.LimitSpecs (docs/security.md, "Rate limits").
func defineLimitFlags(fs *flag.FlagSet, c *config) {
	specs := chat.LimitSpecs()
	c.Limits = make([]chat.Limit, len(specs))
	for i, s := range specs {
		c.Limits[i] = s.Default
		fs.Var(limitFlag{&c.Limits[i]}, "ratelimit-"+s.Default.Name,
			"QUOTA/WINDOW or off: "+s.Counts+", per "+s.Key)
	}
	fs.Float64Var(&c.WSSendRate, "ws-send-rate", 0, "deprecated: use --ratelimit-posts (sets it to per-user posts per second)")
	fs.IntVar(&c.WSSendBurst, "ws-send-burst", 0, "deprecated: use --ratelimit-posts (sets its quota)")
}

// mapDeprecatedLimitFlags turns the former per-connection --ws-send-rate
// and --ws-send-burst into the per-user posts limit, unless
// --ratelimit-posts is given too. set holds the flags given (by argument
// or environment).
func (c *config) mapDeprecatedLimitFlags(set map[string]bool) error {
	if !set["ws-send-rate"] && !set["ws-send-burst"] {
		return nil
	}
	if (set["ws-send-rate"] && c.WSSendRate <= 0) || (set["ws-send-burst"] && c.WSSendBurst < 1) {
		return errors.New("--ws-send-rate and --ws-send-burst must be positive")
	}
	if set["ratelimit-"+chat.LimitPosts] {
		return nil
	}
	for i := range c.Limits {
		l := &c.Limits[i]
		if l.Name != chat.LimitPosts {
			continue
		}
		rate := c.WSSendRate // per second
		if rate <= 0 {
			rate = float64(l.Quota) / l.Window.Seconds()
		}
		if c.WSSendBurst > 0 {
			l.Quota = c.WSSendBurst
		}
		l.Window = time.Duration(float64(l.Quota) / rate * float64(time.Second))
	}
	return nil
}
