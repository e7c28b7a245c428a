#include "fhir/validation/validator.h"

#include <gtest/gtest.h>
