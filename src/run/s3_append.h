#ifndef WV_RUN_S3_APPEND_H_
#define WV_RUN_S3_APPEND_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "io/output_store.h"
#include "run/manifest.h"
#include "run/pipeline.h"

// `run --append` (and `--appendable`) onto an S3 output (docs/S3.md,
// Appending): the local append's code, run on a local copy, then published
// as a new S3 version whose manifest is the commit point.
//
//   1. The S3 store is opened first (io/s3_output_store.h): the prefix must
//      be ours or empty, and the manifest's ETag is kept for the commit.
//   2. A partial copy of the current version is made in a private work
//      folder: its manifest with each file under its name without the
//      version (io::UnversionedName), so that the folder is an ordinary local
//      output's, and the files the append reads whole before its ingest
//      (FilesReadBeforeIngest: the dimensions, the state but the
//      fingerprints). Every other file is absent, known by its manifest
//      entry, and fetched only when the append opens it
//      (PublishedOutput::OpenPartial): a day's fingerprints, the facts of a
//      day the batch shares with earlier batches. Each fetch is checked
//      against the manifest's size and CRC-32.
//   3. The local append runs on that copy (run/pipeline, run/append.h):
//      validation, duplicates across batches, the merge of the dimensions and
//      the staged version's verification are the local append's own; the
//      kept files it never reads stay absent from its staged version too
//      (run::AbsentKeptFiles).
//   4. The new version is published: a file with the same name, size and
//      CRC-32 as a file of the previous version (an earlier batch's fact,
//      quarantine and fingerprint files) is listed again under the previous
//      version's object name (OutputStore::KeepPublished), every other file
//      is uploaded under a name carrying this run's version (the state files
//      too: a losing concurrent append never overwrites the winner's), and
//      the manifest is written with If-Match on the ETag of step 1. A
//      concurrent append that committed first makes this one fail with an
//      OutputError, its own objects removed; nothing changes before the
//      manifest is written.
//
// Cost: the download is the manifest, the dimensions, the state and the
// shared days' facts and touched days' fingerprints (not the history); the
// upload only what the batch wrote and the rewritten dimensions and state.
// Disk: the work folder (under --tmp-dir, or $TMPDIR) holds the partial copy
// and the staged version (the new files only: the kept ones are hard links).
// Thread-compatible: one call at a time per process.
namespace wv::run {

// REQUIRES: options.out_dir is an s3:// URL and options.append or
// options.appendable is set; `inputs` are the expanded --traces; `run_id` the
// chosen one (it is the new version's).
StatusOr<RunSummary> RunS3Append(const RunOptions& options, const std::vector<std::string>& inputs,
                                 const std::string& run_id, const RunObserver& observer);

// Publishes the complete local output staged in `local` (a folder with its
// _manifest.json, as a local run or merge staged it) through the S3 store
// `store`, which was opened with that manifest's run id as its version:
// every listed file uploaded under its versioned name, the manifest last
// (the commit point). `wordviews merge --out s3://` publishes this way. On
// any error nothing is published (the uncommitted store removes what it
// uploaded when it is destroyed). Returns the manifest as published.
StatusOr<Manifest> PublishStagedToS3(const std::string& local, io::OutputStore* store);

}  // namespace wv::run

#endif  // WV_RUN_S3_APPEND_H_
