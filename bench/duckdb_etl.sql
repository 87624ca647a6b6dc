-- The `wordviews run` ETL written as DuckDB SQL: the same validation rules
-- (issue 4, in precedence order), the same star schema. Used two ways:
--   * bench/duckdb_etl.py: the side-by-side benchmark (input read by read_csv);
--   * tests/e2e/test_run.py: the independent oracle the end-to-end tests
--     compare our Parquet output with, value by value.
-- Expects these relations:
--   rows_in(file_index INTEGER, source_file VARCHAR, line_number BIGINT, malformed BOOLEAN, raw_line VARCHAR,
--           p_recall, "timestamp", delta, user_id, learning_language, ui_language,
--           lexeme_id, lexeme_string, history_seen, history_correct, session_seen,
--           session_correct  -- all VARCHAR, unquoted; NULL when malformed)
--   lang_ref(alpha2, english, french, alpha3_b, alpha3_t)  -- VARCHAR, NULL when absent
--   tag_ref(tag, category, description)                    -- VARCHAR
-- Creates: classified, quarantine, fact_wordviews, dim_users, dim_times, dim_langs, dim_words.

CREATE OR REPLACE TEMP MACRO wv_is_int(s) AS
  regexp_full_match(s, '[+-]?[0-9]+') AND TRY_CAST(s AS BIGINT) IS NOT NULL;
CREATE OR REPLACE TEMP MACRO wv_is_decimal(s) AS
  regexp_full_match(s, '[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?')
  AND isfinite(TRY_CAST(s AS DOUBLE));

CREATE OR REPLACE TABLE classified AS
WITH r AS (
  SELECT *,
    CASE
      WHEN malformed THEN 'malformed'
      WHEN p_recall = '' OR "timestamp" = '' OR delta = '' OR user_id = '' OR learning_language = ''
        OR ui_language = '' OR lexeme_id = '' OR lexeme_string = '' OR history_seen = ''
        OR history_correct = '' OR session_seen = '' OR session_correct = '' THEN 'missing_value'
      WHEN NOT (wv_is_decimal(p_recall) AND wv_is_int("timestamp") AND wv_is_int(delta)
        AND wv_is_int(history_seen) AND wv_is_int(history_correct) AND wv_is_int(session_seen)
        AND wv_is_int(session_correct)) THEN 'bad_number'
      WHEN NOT (TRY_CAST(p_recall AS DOUBLE) BETWEEN 0 AND 1)
        OR TRY_CAST(delta AS BIGINT) < 0
        OR TRY_CAST(session_seen AS BIGINT) < 1
        OR TRY_CAST(session_correct AS BIGINT) < 0
        OR TRY_CAST(session_correct AS BIGINT) > TRY_CAST(session_seen AS BIGINT)
        OR TRY_CAST(history_seen AS BIGINT) < 0
        OR TRY_CAST(history_correct AS BIGINT) < 0
        OR TRY_CAST(history_correct AS BIGINT) > TRY_CAST(history_seen AS BIGINT)
        OR TRY_CAST("timestamp" AS BIGINT) < 946684800
        OR TRY_CAST("timestamp" AS BIGINT) >= 4102444800 THEN 'out_of_range'
      WHEN learning_language NOT IN (SELECT alpha2 FROM lang_ref WHERE alpha2 IS NOT NULL)
        OR ui_language NOT IN (SELECT alpha2 FROM lang_ref WHERE alpha2 IS NOT NULL)
        THEN 'unknown_language'
      WHEN NOT regexp_full_match(lexeme_id, '[0-9a-f]{32}')
        OR NOT regexp_full_match(lexeme_string, '[^/]+/[^<>/]+(<[^<>/]+>)+') THEN 'bad_lexeme'
    END AS reason0
  FROM rows_in
)
SELECT *,
  CASE
    WHEN reason0 IS NOT NULL THEN reason0
    WHEN row_number() OVER (
        PARTITION BY reason0 IS NULL, p_recall, "timestamp", delta, user_id, learning_language,
          ui_language, lexeme_id, lexeme_string, history_seen, history_correct, session_seen,
          session_correct
        ORDER BY file_index, line_number) > 1 THEN 'duplicate'
  END AS reason
FROM r;

CREATE OR REPLACE TABLE quarantine AS
SELECT source_file, line_number, reason, raw_line FROM classified WHERE reason IS NOT NULL;

CREATE OR REPLACE TABLE fact_wordviews AS
SELECT
  make_timestamp(CAST("timestamp" AS BIGINT) * 1000000) AS "timestamp",
  CAST("timestamp" AS BIGINT) AS epoch,
  user_id, learning_language, ui_language, lexeme_id,
  CAST(delta AS BIGINT) AS delta,
  CAST(p_recall AS DOUBLE) AS p_recall,
  CAST(session_seen AS BIGINT) AS session_seen,
  CAST(session_correct AS BIGINT) AS session_correct,
  CAST(history_seen AS BIGINT) AS history_seen,
  CAST(history_correct AS BIGINT) AS history_correct,
  CAST(session_correct AS DOUBLE) / CAST(session_seen AS DOUBLE) AS session_pct,
  CASE WHEN CAST(history_seen AS BIGINT) = 0 THEN NULL
       ELSE CAST(history_correct AS DOUBLE) / CAST(history_seen AS DOUBLE) END AS history_pct,
  source_file, line_number, file_index, lexeme_string
FROM classified WHERE reason IS NULL;

CREATE OR REPLACE TABLE dim_users AS
SELECT user_id,
  count(DISTINCT epoch) AS number_of_sessions,
  make_timestamp(min(epoch) * 1000000) AS first_seen,
  make_timestamp(max(epoch) * 1000000) AS last_seen,
  count(*) AS views,
  count(DISTINCT (learning_language, ui_language)) AS courses
FROM fact_wordviews GROUP BY user_id;

CREATE OR REPLACE TABLE dim_times AS
SELECT epoch, ts AS "timestamp",
  hour(ts) AS hour, day(ts) AS day, weekofyear(ts) AS week, month(ts) AS month,
  year(ts) AS year, isodow(ts) AS weekday, CAST(ts AS DATE) AS date, isoyear(ts) AS iso_year
FROM (SELECT DISTINCT epoch, make_timestamp(epoch * 1000000) AS ts FROM fact_wordviews);

CREATE OR REPLACE TABLE dim_langs AS
SELECT c.code AS alpha2_code, l.english AS english_name, l.french AS french_name,
  l.alpha3_b, l.alpha3_t
FROM (SELECT learning_language AS code FROM fact_wordviews
      UNION SELECT ui_language FROM fact_wordviews) c
LEFT JOIN lang_ref l ON l.alpha2 = c.code;

-- dim_words: the first accepted occurrence of each lexeme_id names it.
CREATE OR REPLACE TABLE dim_words AS
WITH first AS (
  SELECT lexeme_id, arg_min(learning_language, (file_index, line_number)) AS language,
    arg_min(lexeme_string, (file_index, line_number)) AS lexeme_string
  FROM fact_wordviews GROUP BY lexeme_id
), split AS (
  SELECT *, regexp_extract(lexeme_string, '^([^/]*)/', 1) AS surface,
    regexp_extract(lexeme_string, '^[^/]*/([^<]*)', 1) AS lemma
  FROM first
), tagged AS (
  SELECT *, regexp_extract_all(substr(lexeme_string, length(surface) + length(lemma) + 2),
                               '<([^>]*)>', 1) AS tags
  FROM split
), exploded AS (
  SELECT t.lexeme_id, u.tag, u.pos, r.category
  FROM tagged t, unnest(t.tags) WITH ORDINALITY AS u(tag, pos)
  LEFT JOIN tag_ref r ON r.tag = u.tag
), morph AS (
  SELECT lexeme_id,
    arg_min(tag, pos) FILTER (WHERE category = 'gender') AS gender,
    arg_min(tag, pos) FILTER (WHERE category = 'number') AS number,
    arg_min(tag, pos) FILTER (WHERE category = 'person') AS person,
    arg_min(tag, pos) FILTER (WHERE category = 'tense') AS tense,
    arg_min(tag, pos) FILTER (WHERE category = 'case') AS "case",
    arg_min(tag, pos) FILTER (WHERE category = 'def') AS definiteness,
    count(*) FILTER (WHERE category IS NULL AND NOT starts_with(tag, '*')) AS unknown_tags,
    bool_or(starts_with(tag, '*')) AS has_wildcard_tag
  FROM exploded GROUP BY lexeme_id
)
SELECT t.lexeme_id, t.language, t.lexeme_string, t.surface, t.lemma,
  t.tags[1] AS part_of_speech, pr.description AS pos_description,
  substr(t.lexeme_string, length(t.surface) + length(t.lemma) + length(t.tags[1]) + 4) AS modifiers,
  m.gender, m.number, m.person, m.tense, m."case", m.definiteness,
  starts_with(t.surface, '<*') AS surface_is_wildcard,
  m.has_wildcard_tag, m.unknown_tags
FROM tagged t
JOIN morph m USING (lexeme_id)
LEFT JOIN tag_ref pr ON pr.tag = t.tags[1];
