using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Homunculus.Sdk.Tests;

/// <summary>
/// Once per test class: packs Homunculus.Sdk and Homunculus.Templates from this repository into a
/// local feed with a unique prerelease version, and installs the template into a private
/// `dotnet new` hive. Projects created from it restore offline (nuget.config: the feed only) into a
/// private NuGet packages folder, so neither the user's caches nor an earlier run are involved.
/// Set HOMUNCULUS_E2E_KEEP=1 to keep the temporary folder for inspection.
/// </summary>
public sealed class PackedSdkFixture : IDisposable
{
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(8);

    public PackedSdkFixture()
    {
        RepositoryRoot = FindRepositoryRoot();
        Version = $"0.1.0-e2e.{DateTime.UtcNow.Ticks}";
        WorkDirectory = Path.Combine(Path.GetTempPath(), "homunculus-e2e-" + Guid.NewGuid().ToString("N").Substring(0, 12));
        Feed = Path.Combine(WorkDirectory, "feed");
        Hive = Path.Combine(WorkDirectory, "dotnet-new-hive");
        ProjectsDirectory = Path.Combine(WorkDirectory, "projects");
        Directory.CreateDirectory(Feed);
        Directory.CreateDirectory(ProjectsDirectory);

        // Packing uses the machine's NuGet setup (the repository's own packages) and builds into the
        // temporary folder (--artifacts-path), leaving the repository's bin/ and obj/ alone.
        var packEnvironment = new Dictionary<string, string>();
        Pack("Homunculus.Sdk", packEnvironment);
        Pack("templates", packEnvironment);

        // Everything after this is what a user of the packages does, isolated.
        Environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(WorkDirectory, "nuget-packages"),
        };
        File.WriteAllText(Path.Combine(ProjectsDirectory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="homunculus-e2e" value="{Feed}" />
              </packageSources>
            </configuration>
            """);

        var templatePackage = Path.Combine(Feed, $"Homunculus.Templates.{Version}.nupkg");
        Require(Dotnet(WorkDirectory, "new", "install", templatePackage, "--debug:custom-hive", Hive));
    }

    public string RepositoryRoot { get; }

    /// <summary>The version both packages were packed with (exact: MSBuild SDK references do not float).</summary>
    public string Version { get; }

    public string WorkDirectory { get; }

    public string Feed { get; }

    public string Hive { get; }

    /// <summary>Parent folder of the projects the tests create; holds the nuget.config.</summary>
    public string ProjectsDirectory { get; }

    public IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>();

    /// <summary>`dotnet new homunculus -n name` in its own folder; returns the project folder.</summary>
    public string NewProject(string name)
    {
        var directory = Path.Combine(ProjectsDirectory, name);
        Require(Dotnet(ProjectsDirectory, "new", "homunculus", "-n", name, "-o", directory, "--debug:custom-hive", Hive));
        return directory;
    }

    public CommandResult Dotnet(string workingDirectory, params string[] arguments) =>
        DotnetProcess.Run(workingDirectory, Environment, CommandTimeout, arguments);

    public static CommandResult Require(CommandResult result)
    {
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("command failed:\n" + result);
        }

        return result;
    }

    public void Dispose()
    {
        if (System.Environment.GetEnvironmentVariable("HOMUNCULUS_E2E_KEEP") == "1")
        {
            return;
        }

        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void Pack(string project, IReadOnlyDictionary<string, string> environment)
    {
        var result = DotnetProcess.Run(
            RepositoryRoot,
            environment,
            CommandTimeout,
            "pack", Path.Combine(RepositoryRoot, project), "-c", "Release", "-o", Feed, "--artifacts-path", Path.Combine(WorkDirectory, "artifacts"),
            $"-p:HomunculusVersion={Version}", "-tl:off", "-v:m");
        Require(result);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Homunculus.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Homunculus.slnx not found above " + AppContext.BaseDirectory);
    }
}
