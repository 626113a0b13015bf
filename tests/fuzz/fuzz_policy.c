/* Fuzz target: the policy file parser. */
#include "../../core/policy.h"
#include "fuzz.h"

FUZZ_ENTRY(policy)
{
    wh_error err = { 0 };
    wh_policy *policy = NULL;
    if (wh_policy_parse((const char *)data, size, "fuzz", &policy, &err) == WH_OK)
        wh_policy_free(policy);
    return 0;
}
