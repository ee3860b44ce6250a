package password

import (
	"strings"
	"testing"
)

func TestArgon2id(t *testing.T) {
	h := NewArgon2id(Params{Memory: 1024, Time: 1, Threads: 1})
	hash, err := h.Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", hash)
	}
	other, _ := h.Hash("correct horse")
	if other == hash {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		name, hash, password string
		ok, err              bool
	}{
		{"right", hash, "correct horse", true, false},
		{"wrong", hash, "correct horsE", false, false},
		{"empty", hash, "", false, false},
		{"other params still verify", mustHash(t, NewArgon2id(Params{Memory: 2048, Time: 2, Threads: 2}), "pw"), "pw", true, false},
		{"garbage", "nope", "x", false, true},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuu", "x", false, true},
		{"bad salt", "$argon2id$v=19$m=1024,t=1,p=1$!!$AAAA", "x", false, true},
		{"zero threads", "$argon2id$v=19$m=1024,t=1,p=0$AAAA$AAAA", "x", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := h.Verify(tt.hash, tt.password)
			if ok != tt.ok || (err != nil) != tt.err {
				t.Fatalf("Verify = %v, %v; want %v, err=%v", ok, err, tt.ok, tt.err)
			}
		})
	}
}

func mustHash(t *testing.T, h *Argon2id, pw string) string {
	t.Helper()
	s, err := h.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
