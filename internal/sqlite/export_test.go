package sqlite

// Grouped reports how many group commits carried more than one message.
func (s *Store) Grouped() int64 { return s.appends.Grouped() }

// Fallbacks reports how many groups failed and were appended one by one.
func (s *Store) Fallbacks() int64 { return s.fallbacks.Load() }
