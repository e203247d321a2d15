using System.Security.Claims;

namespace AgentHost.Security;

internal static class UserIdExtensions
{
    /// <summary>The signed-in user's id; the routes that call this require an authenticated user.</summary>
    public static string UserId(this ClaimsPrincipal user)
        => user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The route does not require a signed-in user.");
}
