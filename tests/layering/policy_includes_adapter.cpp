// Compiled with the policies' include view: a policy reaching for an adapter must not compile.
#include "adapters/transport/http_client.hpp"

int layering_probe_adapter() { return 0; }
