using System.Net.Sockets;
using ContinuationState.Internal;
using Npgsql;

namespace ContinuationState.Tests.HighAvailability;

/// <summary>
/// The errors a failover produces, as the failover tests met them, map to ContinuationStateTransientException;
/// a misconfiguration that only looks like one (every host refusing for a non-transient reason) does not.
/// </summary>
public sealed class FailoverErrorMappingTests
{
    [Fact]
    public void NoSuitableHost_WhileEveryHostAnswersButNoneIsPrimary_IsTransient()
        => Assert.IsType<ContinuationStateTransientException>(DbErrors.Translate(new NpgsqlException("No suitable host was found.")));

    [Fact]
    public void NoSuitableHost_WithEveryHostRefusingTheConnection_IsTransient()
    {
        var refused = new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused));
        var e = new NpgsqlException("No suitable host was found.", new AggregateException(refused, refused));
        Assert.IsType<ContinuationStateTransientException>(DbErrors.Translate(e));
    }

    [Fact]
    public void NoSuitableHost_BecauseOfANonTransientFailure_IsNotTranslated()
    {
        var badCertificate = new NpgsqlException("TLS handshake failed", new System.Security.Authentication.AuthenticationException("bad certificate"));
        var e = new NpgsqlException("No suitable host was found.", new AggregateException(badCertificate));
        Assert.Null(DbErrors.Translate(e));
    }

    [Theory]
    [InlineData("25006")] // read_only_sql_transaction: a session left on a demoted primary
    [InlineData("57P01")] // admin_shutdown: the old primary stopping for a switchover
    [InlineData("57P02")] // crash_shutdown
    public void ServerErrorsOfAFailover_AreTransient(string sqlState)
    {
        var e = new PostgresException("failover", "FATAL", "FATAL", sqlState);
        Assert.IsAssignableFrom<ContinuationStateTransientException>(DbErrors.Translate(e));
    }

    [Fact]
    public void AConstraintViolation_IsNotTranslated()
        => Assert.Null(DbErrors.Translate(new PostgresException("duplicate", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation)));
}
