package postgres

// Grouped reports how many group commits carried more than one message.
func (s *Store) Grouped() int64 { return s.grouped.Load() }
