package sqlite_test

import (
	"testing"

	"github.com/open-chat/openchat/internal/chat"
	"github.com/open-chat/openchat/internal/chat/chattest"
)

func BenchmarkStore(b *testing.B) {
	chattest.BenchmarkStore(b, func(b *testing.B) chat.Store { return newStore(b) })
}

func BenchmarkStoreConcurrent(b *testing.B) {
	chattest.BenchmarkStoreConcurrent(b, func(b *testing.B) chat.Store { return newStore(b) })
}
