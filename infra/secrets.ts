// Secrets, set per stage with the SST CLI (https://sst.dev/docs/component/secret):
//   sst secret set AdminKey <key> --stage <stage>
//   sst secret set ProvidersConfig --stage <stage> < providers.json
// Neither has a placeholder: a stage whose secrets are not set fails at deploy time instead of
// running with a guessable admin key or with no upstreams.

/** The ROUTER_ADMIN_KEY of docs/api.md: guards the /v2/admin routes. */
export const adminKey = new sst.Secret("AdminKey");

/**
 * The whole providers JSON of docs/api.md (`{"providers": [...]}`), upstream API keys included. It is
 * the same document `ROUTER_PROVIDERS_FILE` points to locally, kept in one secret so that adding
 * a provider that speaks a known protocol stays a configuration change, not a deploy of new code.
 */
export const providersConfig = new sst.Secret("ProvidersConfig");
