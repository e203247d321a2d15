using System.Reflection;

namespace ContinuationState.Tests.Browser;

/// <summary>Where the browser tests keep what a person may want to look at afterwards, and where the sample host is built.</summary>
internal static class Artifacts
{
    private static readonly Lazy<string> RepositoryRoot = new(FindRepositoryRoot);

    /// <summary><c>artifacts/browser/</c> at the repository root: screenshots and the host's logs.</summary>
    public static string Browser => Directory.CreateDirectory(Path.Combine(RepositoryRoot.Value, "artifacts", "browser")).FullName;

    /// <summary>The sample host as this test assembly's build made it (the test project references it).</summary>
    public static string HostAssembly
    {
        get
        {
            var configuration = typeof(Artifacts).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
            var path = Path.Combine(RepositoryRoot.Value, "samples", "AgentHost", "bin", configuration, "net10.0", "AgentHost.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"The sample host is not built at {path}; build the solution first.", path);
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ContinuationState.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ContinuationState.sln above {AppContext.BaseDirectory}.");
    }
}
