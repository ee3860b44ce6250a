package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// Data rights (issue 16): a user downloads everything OpenChat holds about
// them, or deletes their account. Both take the actor and the target, so
// the same methods serve an administrator acting on someone else's
// account once mayManageAccount admits one.

// mayManageAccount decides who may export or delete the account targetID:
// its owner and the server's admins. Error: ENOTFOUND, so nobody else
// learns which ids exist.
func (s *Service) mayManageAccount(actor User, targetID string) error {
	if actor.ID != "" && actor.ID == targetID || requireAdmin(actor) == nil {
		return nil
	}
	return Errorf(ENOTFOUND, "user not found")
}

// exportedProfile is profile.json: the account and its preferences.
type exportedProfile struct {
	User
	EmailNotifications NotifyPref `json:"email_notifications"`
	Language           Language   `json:"language"`
}

// exportedMessage is one entry of messages.json.
type exportedMessage struct {
	ID         string   `json:"id"`
	RoomID     string   `json:"room_id"`
	Seq        int64    `json:"seq"`
	Body       string   `json:"body"`
	Mentions   []string `json:"mentions"`
	CreatedAt  Time     `json:"created_at"`
	EditedAt   *Time    `json:"edited_at,omitempty"`
	Deleted    bool     `json:"deleted,omitempty"`
	ReplyTo    int64    `json:"reply_to,omitempty"`
	AlsoToRoom bool     `json:"also_to_room,omitempty"`
}

// ExportAccount writes the target's data as JSON files, each created with
// create (a zip.Writer's Create): profile.json, rooms.json (memberships
// with role and read position), messages.json (every message the user
// wrote, tombstones included), reactions.json, sessions.json and
// uploads.json (the files' metadata; the files are at their urls). Messages and reactions are read a page
// at a time and streamed. Errors: ENOTFOUND (see mayManageAccount),
// ERATELIMITED (LimitExports), and a failure of create's writers.
func (s *Service) ExportAccount(ctx context.Context, actor User, targetID string, create func(name string) (io.Writer, error)) error {
	if err := s.mayManageAccount(actor, targetID); err != nil {
		return err
	}
	if err := s.Limit(ctx, LimitExports, actor.ID); err != nil {
		return err
	}
	u, err := s.store.UserByID(ctx, targetID)
	if err != nil {
		return err
	}
	rooms, err := s.store.MyRooms(ctx, targetID, "")
	if err != nil {
		return err
	}
	sessions, err := s.Sessions(ctx, targetID, "")
	if err != nil {
		return err
	}
	files := []exportFile{
		{"profile.json", writeJSON(exportedProfile{User: u, EmailNotifications: u.EmailNotifications, Language: u.Language})},
		{"rooms.json", writeJSON(nonNil(rooms))},
		{"messages.json", func(w io.Writer) error { return s.exportMessages(ctx, targetID, w) }},
		{"reactions.json", func(w io.Writer) error { return s.exportReactions(ctx, targetID, w) }},
		{"sessions.json", writeJSON(nonNil(sessions))},
		{"uploads.json", func(w io.Writer) error { return s.exportUploads(ctx, targetID, w) }},
	}
	for _, f := range files {
		w, err := create(f.name)
		if err == nil {
			err = f.write(w)
		}
		if err != nil {
			return fmt.Errorf("export %s: %w", f.name, err)
		}
	}
	return nil
}

// exportUploads writes uploads.json: the user's uploads with their urls.
func (s *Service) exportUploads(ctx context.Context, userID string, w io.Writer) error {
	ups, err := s.store.UploadsByUser(ctx, userID)
	if err != nil {
		return err
	}
	for i := range ups {
		ups[i] = ups[i].WithURLs()
	}
	return writeJSON(ups)(w)
}

// exportFile is one file of an export and what writes it.
type exportFile struct {
	name  string
	write func(w io.Writer) error
}

func writeJSON(v any) func(w io.Writer) error {
	return func(w io.Writer) error { return json.NewEncoder(w).Encode(v) }
}

func (s *Service) exportMessages(ctx context.Context, userID string, w io.Writer) error {
	var after MessageKey
	return writeArray(w, func() ([]any, error) {
		msgs, err := s.store.MessagesByAuthor(ctx, userID, after, ExportPageSize)
		out := make([]any, len(msgs))
		for i, m := range msgs {
			out[i] = exportedMessage{ID: m.ID, RoomID: m.RoomID, Seq: m.Seq, Body: m.Body, Mentions: nonNil(m.Mentions),
				CreatedAt: m.CreatedAt, EditedAt: m.EditedAt, Deleted: m.Deleted, ReplyTo: m.ReplyTo, AlsoToRoom: m.AlsoToRoom}
			after = MessageKey{RoomID: m.RoomID, Seq: m.Seq}
		}
		return out, err
	})
}

func (s *Service) exportReactions(ctx context.Context, userID string, w io.Writer) error {
	var after ReactionKey
	return writeArray(w, func() ([]any, error) {
		rs, err := s.store.ReactionsByUser(ctx, userID, after, ExportPageSize)
		out := make([]any, len(rs))
		for i, r := range rs {
			out[i] = r
			after = ReactionKey{MessageID: r.MessageID, Emoji: r.Emoji}
		}
		return out, err
	})
}

// writeArray writes a JSON array of the items of successive pages, one
// line each, until a page comes back empty: nothing holds more than a page.
func writeArray(w io.Writer, page func() ([]any, error)) error {
	enc := json.NewEncoder(w)
	sep := "[\n"
	for {
		items, err := page()
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			if _, err := io.WriteString(w, sep); err != nil {
				return err
			}
			if err := enc.Encode(it); err != nil {
				return err
			}
			sep = ","
		}
	}
	if sep == "[\n" {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	_, err := io.WriteString(w, "]\n")
	return err
}
