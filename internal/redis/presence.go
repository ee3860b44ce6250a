package redis

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/open-chat/openchat/internal/chat"
)

// Presence is the Redis chat.Presence. Per room, a ZSET holds one member
// "userID|instanceID" scored by its expiry in Unix milliseconds; per user
// connected at all (room ""), a ZSET holds one member per instance. A touch
// is one pipelined round trip of ZADD, prune and PEXPIRE per key, nothing is
// written per message, and a dead instance's entries lapse after the TTL.
// Expiries use the instances' clocks, which are assumed synchronised well
// within the TTL.
type Presence struct {
	rdb  *goredis.Client
	opts Options
	now  func() time.Time
}

var _ chat.Presence = (*Presence)(nil)

func newPresence(rdb *goredis.Client, opts Options) *Presence {
	return &Presence{rdb: rdb, opts: opts, now: time.Now}
}

func (p *Presence) member(userID string) string { return userID + "|" + p.opts.InstanceID }

// Touch implements chat.Presence.
func (p *Presence) Touch(ctx context.Context, entries []chat.PresenceEntry) error {
	if len(entries) == 0 {
		return nil
	}
	now := p.now()
	until := float64(now.Add(p.opts.PresenceTTL).UnixMilli())
	stale := "(" + strconv.FormatInt(now.UnixMilli(), 10)
	byKey := map[string][]goredis.Z{}
	for _, e := range entries {
		k := p.opts.presenceKey(e.RoomID)
		byKey[k] = append(byKey[k], goredis.Z{Score: until, Member: p.member(e.UserID)})
		if e.RoomID == "" {
			k := p.opts.onlineKey(e.UserID)
			byKey[k] = append(byKey[k], goredis.Z{Score: until, Member: p.opts.InstanceID})
		}
	}
	ctx, cancel := withTimeout(ctx, p.opts.CommandTimeout)
	defer cancel()
	_, err := p.rdb.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		for k, zs := range byKey {
			pl.ZAdd(ctx, k, zs...)
			pl.ZRemRangeByScore(ctx, k, "-inf", stale)
			pl.PExpire(ctx, k, p.opts.PresenceTTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis presence: touch: %w", err)
	}
	return nil
}

// Remove implements chat.Presence.
func (p *Presence) Remove(ctx context.Context, entries []chat.PresenceEntry) error {
	if len(entries) == 0 {
		return nil
	}
	ctx, cancel := withTimeout(ctx, p.opts.CommandTimeout)
	defer cancel()
	_, err := p.rdb.Pipelined(ctx, func(pl goredis.Pipeliner) error {
		for _, e := range entries {
			pl.ZRem(ctx, p.opts.presenceKey(e.RoomID), p.member(e.UserID))
			if e.RoomID == "" {
				pl.ZRem(ctx, p.opts.onlineKey(e.UserID), p.opts.InstanceID)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis presence: remove: %w", err)
	}
	return nil
}

// Online implements chat.Presence.
func (p *Presence) Online(ctx context.Context, roomIDs []string) (map[string][]string, error) {
	ctx, cancel := withTimeout(ctx, p.opts.CommandTimeout)
	defer cancel()
	live := "(" + strconv.FormatInt(p.now().UnixMilli(), 10)
	cmds := make([]*goredis.StringSliceCmd, len(roomIDs))
	_, err := p.rdb.Pipelined(ctx, func(pipe goredis.Pipeliner) error {
		for i, id := range roomIDs {
			cmds[i] = pipe.ZRangeArgs(ctx, goredis.ZRangeArgs{Key: p.opts.presenceKey(id), Start: live, Stop: "+inf", ByScore: true})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis presence: online: %w", err)
	}
	out := make(map[string][]string, len(roomIDs))
	for i, id := range roomIDs {
		members := cmds[i].Val()
		seen := make(map[string]bool, len(members))
		users := make([]string, 0, len(members))
		for _, m := range members {
			u, _, _ := strings.Cut(m, "|") // user ids hold no '|'
			if !seen[u] {
				seen[u] = true
				users = append(users, u)
			}
		}
		out[id] = users
	}
	return out, nil
}

// IsOnline implements chat.Presence.
func (p *Presence) IsOnline(ctx context.Context, userID string) (bool, error) {
	ctx, cancel := withTimeout(ctx, p.opts.CommandTimeout)
	defer cancel()
	live := "(" + strconv.FormatInt(p.now().UnixMilli(), 10)
	n, err := p.rdb.ZCount(ctx, p.opts.onlineKey(userID), live, "+inf").Result()
	if err != nil {
		return false, fmt.Errorf("redis presence: is online: %w", err)
	}
	return n > 0, nil
}
