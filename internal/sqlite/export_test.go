package sqlite

import "context"

// Grouped reports how many group commits carried more than one message.
func (s *Store) Grouped() int64 { return s.appends.Grouped() }

// Fallbacks reports how many groups failed and were appended one by one.
func (s *Store) Fallbacks() int64 { return s.fallbacks.Load() }

// DropSearchIndex makes s a store without the search index, the "without"
// side of BenchmarkSearch: the group's index statement becomes a no-op and
// the edit and delete triggers go.
func (s *Store) DropSearchIndex(ctx context.Context) error {
	if err := s.st.index.Close(); err != nil {
		return err
	}
	var err error
	if s.st.index, err = s.w.PrepareContext(ctx, `SELECT ?`); err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, `DROP TRIGGER messages_fts_update; DROP TRIGGER messages_fts_delete`)
	return err
}
