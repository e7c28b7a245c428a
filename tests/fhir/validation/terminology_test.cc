#include "fhir/validation/terminology.h"

#include <gtest/gtest.h>
