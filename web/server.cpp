#include "web/assets.hpp"
