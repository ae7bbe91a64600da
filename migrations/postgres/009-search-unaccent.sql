-- Accent-insensitive full-text search, as SQLite's FTS5 (remove_diacritics 2) has it: "cafe" finds
-- "café". It needs the unaccent extension (contrib; trusted since PostgreSQL 13, so the CREATE
-- privilege on the database suffices). Where the server lacks contrib or the role may not create
-- the extension, search stays as before: the 'simple' configuration, accent-sensitive, still
-- ranked and with snippets. `gateway doctor` says which.
DO $$
DECLARE
  home text;
BEGIN
  BEGIN
    CREATE EXTENSION IF NOT EXISTS unaccent;
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'no unaccent extension (%): search stays accent-sensitive', SQLERRM;
  END;
  SELECT n.nspname INTO home
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'unaccent';
  CREATE TEXT SEARCH CONFIGURATION gateway_search (COPY = pg_catalog.simple);
  IF home IS NOT NULL THEN
    EXECUTE format(
      'ALTER TEXT SEARCH CONFIGURATION gateway_search ALTER MAPPING FOR hword, hword_part, word WITH %I.unaccent, simple',
      home);
  END IF;
END $$;

ALTER TABLE messages DROP COLUMN search;
ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
  CASE WHEN kind IN ('user', 'assistant', 'summary') THEN to_tsvector('gateway_search', content) END
) STORED;
CREATE INDEX messages_search ON messages USING gin (search);

ALTER TABLE memories DROP COLUMN search;
ALTER TABLE memories ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('gateway_search', content)) STORED;
CREATE INDEX memories_search ON memories USING gin (search);
