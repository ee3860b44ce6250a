//go:build !linux

package ws

// unread: elsewhere the idle sweep goes by the last frame read alone.
func (s *sock) unread() bool { return false }
