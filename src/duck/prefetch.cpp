#include "duck/prefetch.hpp"

namespace mallard::duck {

ChunkPrefetch::ChunkPrefetch(Connection &conn, Result &result, size_t depth)
    : conn_(conn), result_(result), depth_(depth < 1 ? 1 : depth), helper_([this] { run(); }) {}

ChunkPrefetch::~ChunkPrefetch() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    if (fetching_ && !done_) conn_.interrupt();
  }
  room_.notify_all();
  helper_.join();
}

void ChunkPrefetch::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      room_.wait(lock, [&] { return stop_ || chunks_.size() < depth_; });
      if (stop_) return;
      fetching_ = true;
    }
    DataChunk chunk;
    std::exception_ptr error;
    try {
      chunk = result_.fetch();
    } catch (...) {
      error = std::current_exception();
    }
    bool last;
    {
      std::lock_guard lock(mu_);
      fetching_ = false;
      if (error) error_ = error;
      if (error || !chunk) done_ = true;
      else chunks_.push_back(std::move(chunk));
      last = done_;
    }
    ready_.notify_one();
    if (last) return;
  }
}

DataChunk ChunkPrefetch::next() {
  std::unique_lock lock(mu_);
  ready_.wait(lock, [&] { return !chunks_.empty() || done_; });
  if (!chunks_.empty()) {
    DataChunk chunk = std::move(chunks_.front());
    chunks_.pop_front();
    lock.unlock();
    room_.notify_one();
    return chunk;
  }
  if (error_) std::rethrow_exception(error_);
  return {};
}

}  // namespace mallard::duck
