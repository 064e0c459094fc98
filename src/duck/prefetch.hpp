#pragma once
// Fetching a streaming result's chunks ahead of the reader, on a thread of its own.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "duck/duck.hpp"

namespace mallard::duck {

// DuckDB computes a streaming result in the thread that fetches it. A reader that also has work
// per chunk (encoding rows, writing them to a socket) leaves the engine idle meanwhile; this class
// lets DuckDB compute up to `depth` chunks ahead on a helper thread, so that the two overlap.
//
// While it lives, nothing but next() may touch `result` or its connection. Its destructor stops
// the helper, interrupting the connection's query if the helper is inside a fetch (a reader that
// gives up early abandons the result), and waits for it; the result may then be used again.
class ChunkPrefetch {
 public:
  // Chunks (of up to 2,048 rows) computed ahead by default: enough to cover the reader's
  // uneven pace (socket writes), little memory.
  static constexpr size_t kDefaultDepth = 4;

  ChunkPrefetch(Connection &conn, Result &result, size_t depth = kDefaultDepth);
  ChunkPrefetch(const ChunkPrefetch &) = delete;
  ChunkPrefetch &operator=(const ChunkPrefetch &) = delete;
  ~ChunkPrefetch();

  // The next chunk; empty after the last one. An error of the query is thrown here, in order.
  DataChunk next();

  // Whether a reader that has fetched `fetched` chunks, the last of `last_rows` rows, gains by
  // fetching the rest ahead: a full chunk, or a third one, says the result is not small. Starting
  // the helper costs tens of microseconds, as much as a whole short query.
  static bool worth_it(int fetched, idx_t last_rows) {
    return fetched >= 3 || (fetched >= 1 && last_rows >= duckdb_vector_size());
  }

 private:
  void run();

  Connection &conn_;
  Result &result_;
  const size_t depth_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<DataChunk> chunks_;
  std::exception_ptr error_;
  bool done_ = false, stop_ = false, fetching_ = false;
  std::thread helper_;  // last: started once everything above is set up
};

}  // namespace mallard::duck
