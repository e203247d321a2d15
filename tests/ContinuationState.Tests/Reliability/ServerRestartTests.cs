using System.Diagnostics;
using ContinuationState.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ContinuationState.Tests.Reliability;

/// <summary>Runs alone, after every other test: it restarts the server they all share.</summary>
[CollectionDefinition(nameof(ServerRestartGroup), DisableParallelization = true)]
public sealed class ServerRestartGroup;

/// <summary>
/// The server restarts in the middle of a run of operations: what is in flight fails with a transient exception,
/// the pool recovers without a new data source, and everything saved before loads intact afterwards.
/// Needs the throwaway server of ./build.sh (CONTINUATIONSTATE_TEST_PGBIN / _PGDATA); skipped elsewhere.
/// </summary>
[Collection(nameof(ServerRestartGroup))]
[Trait("Category", "NoPooler")]
public sealed class ServerRestartTests
{
    [SkippableFact]
    public async Task ServerRestart_MidRun_FailsTransiently_RecoversAndLosesNothing()
    {
        var pgBin = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_PGBIN");
        var pgData = Environment.GetEnvironmentVariable("CONTINUATIONSTATE_TEST_PGDATA");
        Skip.If(string.IsNullOrEmpty(pgBin) || string.IsNullOrEmpty(pgData), "Needs the throwaway server of ./build.sh test.");

        var database = await TestDatabases.CreateMigratedAsync();
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(TestServer.ForDatabase(await TestServer.GetAdminConnectionStringAsync(), database));
            var service = new ContinuationService(dataSource, Options.Create(new ContinuationStateOptions()));
            var saved = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                var conversation = (await TestData.CreateConversationAsync(dataSource)).ToString();
                await service.SaveStateAsync(conversation, "user-a", TestData.Snapshot($"state {i}"));
                saved.Add(conversation);
            }

            // A run of operations that keeps going across the restart.
            var failures = new List<Exception>();
            var successesAfterRestart = 0;
            var restarted = false;
            using var stop = new CancellationTokenSource();
            var run = Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        await service.LoadStateAsync(saved[i % saved.Count], "user-a");
                        if (Volatile.Read(ref restarted))
                        {
                            successesAfterRestart++;
                        }
                    }
                    catch (Exception e)
                    {
                        failures.Add(e);
                    }
                }
            });

            RestartServer(pgBin!, pgData!);
            Volatile.Write(ref restarted, true);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (Volatile.Read(ref successesAfterRestart) < 50 && DateTime.UtcNow < deadline && !run.IsCompleted)
            {
                await Task.Yield();
            }

            await stop.CancelAsync();
            await run;

            Assert.True(successesAfterRestart >= 50, $"only {successesAfterRestart} operations succeeded after the restart");
            // The pooled connection the run was using died with the server: at least one operation saw it.
            Assert.NotEmpty(failures);
            Assert.All(failures, e => Assert.IsAssignableFrom<ContinuationStateTransientException>(e));
            for (var i = 0; i < saved.Count; i++)
            {
                var state = await service.LoadStateAsync(saved[i], "user-a");
                Assert.Equal($"state {i}", state!.Messages[0].GetProperty("content").GetString());
            }
        }
        finally
        {
            // The test infrastructure's own pooled admin connections died with the restart too.
            NpgsqlConnection.ClearAllPools();
            await TestDatabases.DropAsync(database);
        }
    }

    private static void RestartServer(string pgBin, string pgData)
    {
        var asRoot = Environment.UserName == "root";
        var start = new ProcessStartInfo(asRoot ? "runuser" : Path.Combine(pgBin, "pg_ctl"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (asRoot)
        {
            foreach (var argument in new[] { "-u", "postgres", "--", Path.Combine(pgBin, "pg_ctl") })
            {
                start.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in new[] { "restart", "-D", pgData, "-m", "fast", "-w", "-t", "60", "-l", Path.Combine(Path.GetDirectoryName(pgData)!, "server.log") })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"pg_ctl restart failed: {output}");
    }
}
