// Package snapshot reads and writes snapshot packs: the folders the
// reference tool calls datasets.
//
//	<pack>/manifest.json
//	<pack>/index.jsonl          {"h", "k", "id", "t", "f"} one line per record
//	<pack>/records/YYYY/YYYY-MM-DD/chunk-NNNN.ndjson
//
// Packs written by the reference tool read, verify and take appends; packs
// written here have the reference's index line form and chunk layout.
//
// Functions:
//
//   - Init(parent, manifest) creates a pack (never replaces a manifest).
//   - Write(ctx, dir, in, WriteOptions) appends envelopes: records grouped by
//     the UTC day of observed_at_utc, at most ChunkSize records (and
//     ChunkBytes bytes) per chunk, chunk numbers after the highest in the
//     pack, records whose content_sha256 is in the pack skipped, records
//     without a verifying hash refused.
//   - Cat(ctx, dir, out, CatOptions) streams the records in pack order,
//     optionally filtered by time or key (the index picks the chunks).
//   - Verify(ctx, dir, VerifyOptions) checks chunks, hashes and index;
//     the error wraps xr.ErrMismatch and names each problem.
//   - Rebuild(ctx, dir, RebuildOptions) regenerates index.jsonl atomically.
//   - Chunks(dir) lists the chunk files in pack order.
//   - CheckRecords(ctx, r, maxLine) checks one chunk's records (archives).
//
// The index lines themselves are package indexline's.
//
// Crash safety: a chunk is written under a temporary name (".xr-tmp-…"
// in its folder), fsynced, closed, hard-linked to its final name (which
// never replaces a file) and its folder fsynced; only then are its index
// lines appended to index.jsonl and fsynced. One writer at a time holds an
// flock(2) on the pack folder (readers a shared one), which the kernel
// releases if the writer dies. After a kill -9 the pack holds its old records plus whole
// new chunks; the index may lack the lines of the last chunk (Verify names
// them, Rebuild restores them, and the next Write repairs the index
// before it adds anything). Nothing in the pack is rewritten, except
// index.jsonl by Rebuild.
package snapshot
