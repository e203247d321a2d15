using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AgentHost.Security;

/// <summary>
/// The sample's sign-in: the user id is whatever the <c>X-User-Id</c> header says. A real host puts its own
/// authentication here (cookies, JWT bearer); everything after it only needs <see cref="UserIdExtensions.UserId"/>.
/// No header, an empty one, or one longer than the library accepts: not signed in, so 401.
/// </summary>
internal sealed class UserIdHeaderAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "UserIdHeader";
    public const string HeaderName = "X-User-Id";

    /// <summary>The library refuses longer user ids (a btree entry's limit).</summary>
    public const int MaxUserIdLength = 512;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = Request.Headers[HeaderName];
        var userId = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrWhiteSpace(userId))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (userId.Length > MaxUserIdLength)
        {
            return Task.FromResult(AuthenticateResult.Fail($"{HeaderName} is longer than {MaxUserIdLength} characters."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, userId)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}
