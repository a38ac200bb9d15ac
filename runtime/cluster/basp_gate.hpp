#pragma once
// The front of an --insecure node. CAF 0.17's BASP reads a 32-byte header and then allocates the
// payload length it claims, up to 4 GiB, before it has read a byte of it: one packet from anyone
// who can connect cost the node 1.7 GB per socket (CAF has no setting that bounds it). With TLS
// (the default) only authenticated peers reach BASP; without it, the gate listens in the node's
// place, relays each connection to the node's own port on loopback, and reads the peer's side
// frame by frame: a header that claims more than max_payload bytes ends that connection before
// BASP sees it. The node's side is relayed as it is. No CAF; one thread; thread-safe.
//
// The node's loopback port stays open to local users: on an --insecure node they can already
// run programs as its user (docs/distributed.md).

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <variant>

namespace agentrt::cluster {

class basp_gate {
 public:
  static constexpr std::uint32_t default_max_payload = 64u << 20;

  // Listens on host:port (port 0: any free one) and relays to 127.0.0.1:inner_port; or why not.
  static std::variant<std::unique_ptr<basp_gate>, std::string> open(
    const std::string& host, std::uint16_t port, std::uint16_t inner_port,
    std::uint32_t max_payload = default_max_payload);
  // Closes the listener and every connection.
  ~basp_gate();
  basp_gate(const basp_gate&) = delete;
  basp_gate& operator=(const basp_gate&) = delete;

  std::uint16_t port() const { return port_; }

 private:
  basp_gate(int listen_fd, std::uint16_t port, std::uint16_t inner_port, std::uint32_t max);
  void run();

  int listen_fd_;
  int wake_fd_;
  std::uint16_t port_;
  std::uint16_t inner_port_;
  std::uint32_t max_payload_;
  std::thread thread_;
};

}  // namespace agentrt::cluster
