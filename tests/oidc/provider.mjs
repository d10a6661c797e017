// A real OpenID Connect provider for geoplan's login tests (node-oidc-provider).
//
//   node tests/oidc/provider.mjs PORT REDIRECT_URI
//
// One confidential client, "geoplan" / "geoplan-test-secret". Any login name is accepted
// with any password (the provider's development login page); the name decides the
// groups in the ID token: innsyn, plan, bolig, admin -> geoplan-<name>; anything else -> none.
import Provider from "oidc-provider";

const port = Number(process.argv[2] || 9080);
const redirect = process.argv[3] || "http://127.0.0.1:8501/oauth2callback";
const GROUPS = { innsyn: ["geoplan-innsyn"], plan: ["geoplan-plan", "alle-ansatte"],
                 bolig: ["geoplan-bolig"], admin: ["geoplan-admin"] };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: "geoplan",
    client_secret: "geoplan-test-secret",
    redirect_uris: [redirect],
    post_logout_redirect_uris: [redirect.replace(/\/oauth2callback$/, "/")],
    grant_types: ["authorization_code"],
    response_types: ["code"],
  }],
  claims: { openid: ["sub"], email: ["email"], profile: ["name", "groups"] },
  conformIdTokenClaims: false,          // the scope's claims go into the ID token, as Entra ID does
  pkce: { required: () => false },
  cookies: { keys: ["geoplan-test-cookie-key"] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@kommune.test`, name: id, groups: GROUPS[id] || ["andre"] };
      },
    };
  },
  async loadExistingGrant(ctx) {        // no consent screen: the municipality's own app
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId,
                                               accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});
provider.proxy = false;
provider.listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on ${port}`));
