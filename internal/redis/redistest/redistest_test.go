package redistest

import (
	"context"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

func TestURLCleansUp(t *testing.T) {
	var url, prefix string
	t.Run("inner/name with spaces*", func(t *testing.T) {
		url, prefix = URL(t)
		if strings.ContainsAny(prefix, " *?[") {
			t.Fatalf("prefix %q holds glob characters", prefix)
		}
		opts, _ := goredis.ParseURL(url)
		c := goredis.NewClient(opts)
		defer c.Close()
		if err := c.Set(context.Background(), prefix+"k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	if prefix == "" {
		t.Skip("no test Redis")
	}
	opts, _ := goredis.ParseURL(url)
	c := goredis.NewClient(opts)
	defer c.Close()
	if n := c.Exists(context.Background(), prefix+"k").Val(); n != 0 {
		t.Fatalf("key under %q survived the test", prefix)
	}
}
