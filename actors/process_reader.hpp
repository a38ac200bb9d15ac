#pragma once
// The process reader actor of one run: owns the child's pipes (through its child_slot), splits
// stdout and stderr into lines across reads, and hands them to the message adapter in batches.
//
// Flow control: each batch holds the pipe credit of the bytes it came from; the credit returns to
// the I/O thread only when the adapter has published the lines, so a session whose lines are not
// consumed stops being read (memory bounded, nothing dropped). A line over the limit is skipped
// and reported in its place. When both pipes are closed, what is left forms a last line and
// output_drained follows every line; then the reader quits.

#include <caf/fwd.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>

namespace agentrt {

class child_slot;

caf::actor spawn_process_reader(caf::local_actor* session, caf::actor adapter,
                                std::shared_ptr<child_slot> child, std::size_t max_line_bytes,
                                std::uint64_t generation);

}  // namespace agentrt
