-- The language each user reads OpenChat in: e-mails to them are written in
-- it. Existing users read English, as before.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
