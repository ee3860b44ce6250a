package chat

import "testing"

// An upload fits while the instance's total and the uploader's share both
// have room; released bytes are free again.
func TestUploadMemory(t *testing.T) {
	m := newUploadMemory(1000, 299) // a share of max(250, 300) bytes
	var releases []func()
	for _, tc := range []struct {
		what string
		user string
		n    int64
		ok   bool
	}{
		{"a file within the share", "ada", 300, true},
		{"over ada's share", "ada", 1, false},
		{"bob's own share", "bob", 300, true},
		{"carol's", "carol", 300, true},
		{"dave's, over the total", "dave", 101, false},
		{"dave's, what is left", "dave", 100, true},
		{"nothing left", "erin", 1, false},
	} {
		release, err := m.take(tc.user, tc.n)
		if (err == nil) != tc.ok || (err != nil && ErrorCode(err) != EUNAVAILABLE) {
			t.Fatalf("%s: take(%s, %d) = %v, want ok=%v", tc.what, tc.user, tc.n, err, tc.ok)
		}
		if err == nil {
			releases = append(releases, release)
		}
	}
	releases[0]() // ada's 300
	if _, err := m.take("erin", 300); err != nil {
		t.Fatalf("after a release: %v", err)
	}
	if _, err := m.take("ada", 1); err == nil {
		t.Fatal("the total is full again, yet ada's byte fit")
	}
	for _, r := range releases[1:] {
		r()
	}
	if m.used != 300 || len(m.byUser) != 1 {
		t.Fatalf("after releasing all but erin's: used %d, %d uploaders", m.used, len(m.byUser))
	}
}

// An uploader's share is a quarter of the budget, never less than one
// file at the size limit, never more than the budget.
func TestUploadMemoryShare(t *testing.T) {
	for _, tc := range []struct{ total, maxFile, share int64 }{
		{1000, 299, 300},
		{4000, 299, 1000},
		{300, 299, 300},
	} {
		if got := newUploadMemory(tc.total, tc.maxFile).perUser; got != tc.share {
			t.Errorf("newUploadMemory(%d, %d) share %d, want %d", tc.total, tc.maxFile, got, tc.share)
		}
	}
}

// Without a set budget, an instance holds 256 MiB of bodies, or two files
// at the size limit when that is more.
func TestUploadMemoryDefault(t *testing.T) {
	for _, tc := range []struct{ maxBytes, set, want int64 }{
		{DefaultUploadMaxBytes, 0, DefaultUploadMemoryBytes},
		{200 << 20, 0, 2 * (200<<20 + 1)},
		{DefaultUploadMaxBytes, 1 << 30, 1 << 30},
	} {
		if got := (FilesConfig{MaxBytes: tc.maxBytes, MemoryBytes: tc.set}).withDefaults().MemoryBytes; got != tc.want {
			t.Errorf("MaxBytes %d, MemoryBytes %d: budget %d, want %d", tc.maxBytes, tc.set, got, tc.want)
		}
	}
}
