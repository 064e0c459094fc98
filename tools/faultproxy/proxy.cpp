#include "proxy.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "session.hpp"

namespace mallard::faultproxy {

struct Proxy::Worker {
  std::unique_ptr<Session> session;
  std::thread thread;
  std::atomic<bool> finished{false};
};

Proxy::Proxy(ProxyOptions options) : options_(std::move(options)), faults_(options_.faults) {}

Proxy::~Proxy() { stop(); }

void Proxy::start() {
  listener_ = listen_tcp(options_.listen);
  port_ = local_port(listener_);
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0)
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(errno));
  wake_read_ = Socket(pair[0]);
  wake_write_ = Socket(pair[1]);
  acceptor_ = std::thread([this] { accept_loop(); });
}

void Proxy::accept_loop() {
  while (true) {
    pollfd fds[2] = {{listener_.fd(), POLLIN, 0}, {wake_read_.fd(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    if (fds[0].revents == 0) continue;
    Socket client = accept_tcp(listener_);
    if (!client.valid()) {
      // The peer gave up first, or we are out of descriptors; in the latter case the listener
      // stays readable, and a pause keeps this loop from spinning until one is free.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    auto worker = std::make_unique<Worker>();
    worker->session = std::make_unique<Session>(std::move(client), options_.upstream, faults_, counters_);
    Worker *w = worker.get();
    std::lock_guard lock(mu_);
    reap_finished();
    if (stopping_) return;
    w->thread = std::thread([w] {
      try {
        w->session->run();
      } catch (const std::exception &e) {
        // One broken connection must not end the others (an escaped exception would).
        std::cerr << "faultproxy: session ended: " << e.what() << std::endl;
      }
      w->finished = true;
    });
    workers_.push_back(std::move(worker));
  }
}

void Proxy::reap_finished() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if ((*it)->finished) {
      (*it)->thread.join();
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
}

void Proxy::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (acceptor_.joinable()) {
    wake_write_.write_all("x");
    acceptor_.join();
  }
  // The acceptor is gone, so nothing else touches the list now.
  for (auto &w : workers_) w->session->interrupt();
  for (auto &w : workers_) w->thread.join();
  workers_.clear();
  listener_ = Socket();
}

}  // namespace mallard::faultproxy
