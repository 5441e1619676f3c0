-- Spark SQL over the topic: tracks and mean popularity per genre, read once
-- (a batch query: from the earliest offset to the latest).
-- The schema is scripts/spotify-schema.ddl, passed in SPOTIFY_SCHEMA;
-- KAFKA_BOOTSTRAP_SERVERS and KAFKA_TOPIC name the brokers and the topic.
CREATE OR REPLACE TEMPORARY VIEW spotify_kafka
USING kafka
OPTIONS (
  kafka.bootstrap.servers '${env:KAFKA_BOOTSTRAP_SERVERS}',
  subscribe '${env:KAFKA_TOPIC}',
  kafka.isolation.level 'read_committed'
);

CREATE OR REPLACE TEMPORARY VIEW spotify_tracks AS
SELECT r.*
FROM (SELECT from_json(CAST(value AS STRING), '${env:SPOTIFY_SCHEMA}') AS r
      FROM spotify_kafka);

SELECT track_genre AS genre, count(*) AS tracks,
       round(avg(popularity), 6) AS mean_popularity
FROM spotify_tracks
GROUP BY track_genre
ORDER BY track_genre;
