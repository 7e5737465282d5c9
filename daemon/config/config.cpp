#include "daemon/config/config.hpp"
