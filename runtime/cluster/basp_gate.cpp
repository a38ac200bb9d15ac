#include "runtime/cluster/basp_gate.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <vector>

namespace agentrt::cluster {

namespace {

constexpr std::size_t header_size = 32;        // caf::io::basp::header_size
constexpr std::size_t payload_len_offset = 4;  // after operation, two pads and flags
// A side is read while less than this waits to be written to the other: memory stays bounded.
constexpr std::size_t max_buffered = 1 << 20;

// One direction of a relayed connection: what was read and not yet written on.
struct pipe_buffer {
  std::vector<char> bytes;
  std::size_t written = 0;
  bool pending() const { return written < bytes.size(); }
};

// The peer's stream as BASP frames: a header, then as many payload bytes as it claims.
struct frame_reader {
  char header[header_size];
  std::size_t have = 0;  // header bytes seen
  std::uint64_t payload_left = 0;

  // False when a header claims more than `max`.
  bool feed(const char* data, std::size_t n, std::uint32_t max) {
    while (n > 0) {
      if (payload_left > 0) {
        std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left, n));
        payload_left -= take;
        data += take;
        n -= take;
        continue;
      }
      std::size_t take = std::min(header_size - have, n);
      std::memcpy(header + have, data, take);
      have += take;
      data += take;
      n -= take;
      if (have < header_size) return true;
      std::uint32_t len;
      std::memcpy(&len, header + payload_len_offset, sizeof len);
      len = ntohl(len);  // CAF serializes in network order
      if (len > max) return false;
      payload_left = len;
      have = 0;
    }
    return true;
  }
};

struct connection {
  int peer = -1;
  int inner = -1;
  pipe_buffer to_inner, to_peer;
  frame_reader frames;
  bool done = false;

  ~connection() {
    if (peer >= 0) close(peer);
    if (inner >= 0) close(inner);
  }
};

int connect_inner(std::uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Reads what `from` has into `out`; false at its end or an error.
bool read_into(int from, pipe_buffer& out, std::size_t& added) {
  char buf[64 * 1024];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
    added = 0;
    return true;
  }
  if (n <= 0) return false;
  out.bytes.insert(out.bytes.end(), buf, buf + n);
  added = static_cast<std::size_t>(n);
  return true;
}

// Writes what `in` holds to `to`; false on an error.
bool write_out(int to, pipe_buffer& in) {
  while (in.pending()) {
    ssize_t n = write(to, in.bytes.data() + in.written, in.bytes.size() - in.written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    if (n <= 0) return false;
    in.written += static_cast<std::size_t>(n);
  }
  in.bytes.clear();
  in.written = 0;
  return true;
}

}  // namespace

std::variant<std::unique_ptr<basp_gate>, std::string> basp_gate::open(const std::string& host,
                                                                      std::uint16_t port,
                                                                      std::uint16_t inner_port,
                                                                      std::uint32_t max_payload) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0)
    return "cannot resolve " + host + ": " + gai_strerror(rc);
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  bool ok = fd >= 0 && bind(fd, found->ai_addr, found->ai_addrlen) == 0 && listen(fd, 64) == 0;
  freeaddrinfo(found);
  if (!ok) {
    std::string why = std::strerror(errno);
    if (fd >= 0) close(fd);
    return why;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  auto actual = bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&bound)->sin_port;
  return std::unique_ptr<basp_gate>{new basp_gate{fd, ntohs(actual), inner_port, max_payload}};
}

basp_gate::basp_gate(int listen_fd, std::uint16_t port, std::uint16_t inner_port, std::uint32_t max)
    : listen_fd_(listen_fd),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      port_(port),
      inner_port_(inner_port),
      max_payload_(max),
      thread_([this] { run(); }) {}

basp_gate::~basp_gate() {
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof one);
  thread_.join();
  close(listen_fd_);
  close(wake_fd_);
}

void basp_gate::run() {
  std::list<connection> conns;
  std::vector<pollfd> fds;
  for (;;) {
    fds.assign({{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}});
    auto events = [](const pipe_buffer& in, const pipe_buffer& out) {
      return static_cast<short>((in.bytes.size() < max_buffered ? POLLIN : 0) |
                                (out.pending() ? POLLOUT : 0));
    };
    for (auto& c : conns) {
      fds.push_back({c.peer, events(c.to_inner, c.to_peer), 0});
      fds.push_back({c.inner, events(c.to_peer, c.to_inner), 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
    if (fds[0].revents & POLLIN) return;
    std::size_t i = 2;
    for (auto& c : conns) {
      short peer = fds[i++].revents, inner = fds[i++].revents;
      std::size_t added = 0;
      std::size_t before = c.to_inner.bytes.size();
      if ((peer & (POLLIN | POLLHUP | POLLERR)) && !read_into(c.peer, c.to_inner, added))
        c.done = true;
      // A header claiming too much: the connection ends here, and BASP never sees it.
      if (added > 0 && !c.frames.feed(c.to_inner.bytes.data() + before, added, max_payload_))
        c.done = true;
      if ((inner & (POLLIN | POLLHUP | POLLERR)) && !read_into(c.inner, c.to_peer, added))
        c.done = true;
      if (!c.done && !write_out(c.inner, c.to_inner)) c.done = true;
      if (!c.done && !write_out(c.peer, c.to_peer)) c.done = true;
    }
    conns.remove_if([](const connection& c) { return c.done; });
    if (fds[1].revents & POLLIN) {
      int peer = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (peer >= 0) {
        int one = 1;
        setsockopt(peer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        int inner = connect_inner(inner_port_);
        if (inner < 0) {
          close(peer);
        } else {
          conns.emplace_back();
          conns.back().peer = peer;
          conns.back().inner = inner;
        }
      }
    }
  }
}

}  // namespace agentrt::cluster
