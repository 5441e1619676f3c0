# The tools in a container: build them, then run the pipeline.
# The tested path is the local one (make demo); this is for Docker users.
FROM debian:12-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
        gcc libc6-dev make pkg-config librdkafka-dev libcurl4-openssl-dev libarchive-dev libssl-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile config.mk ./
COPY lib lib
COPY tools tools
COPY man man
COPY scripts scripts
RUN make && make install PREFIX=/usr/local

FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        librdkafka1 libcurl4 libarchive13 ca-certificates jq \
    && rm -rf /var/lib/apt/lists/*
# make install put the scripts and lib.sh there too (spotify-to-kafka as
# a copy of kaggle-to-kafka, which acts by its name).
COPY --from=build /usr/local /usr/local
ENTRYPOINT ["spotify-to-kafka"]
