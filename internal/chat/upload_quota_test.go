package chat_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/open-chat/openchat/internal/chat"
)

// TestCheckUploadQuota: the quota is inclusive, and the refusal names what
// is used, as the service's own check does.
func TestCheckUploadQuota(t *testing.T) {
	for _, tc := range []struct {
		used, size, quota int64
		ok                bool
	}{
		{0, 100, 100, true},
		{40, 60, 100, true},
		{41, 60, 100, false},
		{100, 1, 100, false},
	} {
		err := chat.CheckUploadQuota(tc.used, tc.size, tc.quota)
		if (err == nil) != tc.ok {
			t.Errorf("CheckUploadQuota(%d, %d, %d) = %v, want ok=%v", tc.used, tc.size, tc.quota, err, tc.ok)
			continue
		}
		want := fmt.Sprintf("use %d of your %d bytes", tc.used, tc.quota)
		if err != nil && (chat.ErrorCode(err) != chat.ETOOLARGE || !strings.Contains(chat.ErrorMessage(err), want)) {
			t.Errorf("CheckUploadQuota(%d, %d, %d) = %v, want %s naming %q", tc.used, tc.size, tc.quota, err, chat.ETOOLARGE, want)
		}
	}
}
