using System.Diagnostics;
using System.Text;

namespace Homunculus.Bench;

/// <summary>
/// Suite 3: build times as ratios to a plain console app built on the same machine in the same run.
/// Homunculus.Sdk is packed from this repository into a temporary feed (as
/// tests/Homunculus.Sdk.Tests/PackedSdkFixture.cs does) and the template project
/// (templates/content/homunculus, `dotnet new homunculus`) restores it offline into a private NuGet
/// folder, exactly as a user's project gets it. Each iteration builds fresh copies of both projects
/// (console first, then the template, interleaved so both see the same machine noise).
/// </summary>
public static class BuildSuite
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static SuiteResult Run(RunContext context)
    {
        int iterations = context.Quick ? 1 : 5;
        string work = context.NewTempFolder("build");
        string feed = Path.Combine(work, "feed");
        string version = $"0.1.0-bench.{DateTime.UtcNow.Ticks}";
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(work, "nuget-packages") };

        Console.WriteLine("  packing Homunculus.Sdk");
        Require(Dotnet(Repo.Root, new Dictionary<string, string>(), "pack", Path.Combine(Repo.Root, "Homunculus.Sdk"), "-c", "Release", "-o", feed,
            "--artifacts-path", Path.Combine(work, "artifacts"), $"-p:HomunculusVersion={version}", "-tl:off", "-v:m"));

        string projects = Path.Combine(work, "projects");
        Directory.CreateDirectory(projects);
        File.WriteAllText(Path.Combine(projects, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="homunculus-bench" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        // Isolate from any Directory.Build.* / Directory.Packages.props above the temp folder.
        File.WriteAllText(Path.Combine(projects, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(projects, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(projects, "Directory.Packages.props"), "<Project />\n");

        // The template's content, as `dotnet new homunculus` writes it (sourceName EdgeGuard kept).
        string templateSource = Path.Combine(projects, "template-source");
        CopyDirectory(Path.Combine(Repo.Root, "templates/content/homunculus"), templateSource, skip: ".template.config");
        string csproj = Path.Combine(templateSource, "EdgeGuard.csproj");
        File.WriteAllText(csproj, File.ReadAllText(csproj).Replace("HOMUNCULUS_SDK_VERSION", version));

        // The same project with a search (every family, the default budget of 24 trials): its first build
        // searches and writes anomaly.hspec.lock; copies that carry the lock build only that configuration.
        string searchSource = Path.Combine(projects, "search-source");
        CopyDirectory(templateSource, searchSource, skip: null);
        string searchSpec = Path.Combine(searchSource, "anomaly.hspec");
        string specText = File.ReadAllText(searchSpec);
        const string algorithms = "\"algorithms\": [\"dnn\"],";
        if (!specText.Contains(algorithms)) throw new InvalidOperationException($"templates/content/homunculus/anomaly.hspec no longer has {algorithms}: update BuildSuite");
        File.WriteAllText(searchSpec, specText.Replace(algorithms,
            $"\"algorithms\": [{string.Join(", ", QualitySuite.Families.Select(f => $"\"{f}\""))}],\n  \"search\": {{}},"));

        // A plain console app: what `dotnet new console` writes.
        string consoleSource = Path.Combine(projects, "console-source");
        Directory.CreateDirectory(consoleSource);
        File.WriteAllText(Path.Combine(consoleSource, "Plain.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consoleSource, "Program.cs"), "// See https://aka.ms/new-console-template for more information\nConsole.WriteLine(\"Hello, World!\");\n");

        if (!context.Quick)
        {
            // Unmeasured warm-up: extracts the SDK package into the private NuGet folder, warms the disk cache.
            Console.WriteLine("  warm-up builds");
            foreach (var source in new[] { consoleSource, templateSource })
            {
                string dir = Fresh(source, projects, "warmup");
                Require(Build(dir, env));
            }
        }

        var samples = new Dictionary<string, List<double>>();
        void Record(string key, CommandResult r)
        {
            Require(r);
            (samples.TryGetValue(key, out var l) ? l : samples[key] = new List<double>()).Add(r.Elapsed.TotalSeconds);
            Console.WriteLine($"    {key}: {r.Elapsed.TotalSeconds:F2} s");
        }

        // The search build (measured once): fresh copy, no lock file; it writes the lock, which the
        // search source then carries.
        Console.WriteLine("  search build (writes the lock file)");
        string searched = Fresh(searchSource, projects, "search-first");
        Record("search.cold", Build(searched, env));
        string lockFile = Path.Combine(searched, "anomaly.hspec.lock");
        if (!File.Exists(lockFile)) throw new InvalidOperationException("the search build wrote no anomaly.hspec.lock");
        File.Copy(lockFile, Path.Combine(searchSource, "anomaly.hspec.lock"), overwrite: true);

        for (int i = 0; i < iterations; i++)
        {
            Console.WriteLine($"  iteration {i + 1}/{iterations}");
            string console = Fresh(consoleSource, projects, $"console-{i}");
            Record("console.cold", Build(console, env));
            Record("console.noop", Build(console, env));
            File.AppendAllText(Path.Combine(console, "Program.cs"), $"// edit {i}\n");
            Record("console.edit", Build(console, env));

            string template = Fresh(templateSource, projects, $"template-{i}");
            Record("template.cold", Build(template, env));
            Record("template.noop", Build(template, env));
            // A data change: one more training row (a copy of the first), so the content key changes and the model retrains.
            string train = Path.Combine(template, "data", "train.csv");
            string first = File.ReadLines(train).First();
            File.AppendAllText(train, first + "\n");
            Record("template.data", Build(template, env));

            // A fresh copy with a matching lock file (as a CI checkout of a project that commits it).
            string locked = Fresh(searchSource, projects, $"locked-{i}");
            Record("search.locked", Build(locked, env));
            string report = Directory.EnumerateFiles(Path.Combine(locked, "obj"), "report.md", SearchOption.AllDirectories)
                .Where(f => !f.Contains("homunculus-cache", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).First();
            if (!File.ReadAllText(report).Contains("anomaly.hspec.lock (the data hash matches): no search", StringComparison.Ordinal))
                throw new InvalidOperationException($"the build with a lock file searched ({report})");
        }

        double M(string key) => Stats.Median(samples[key]);
        string S(string key) => $"{Fmt.F(M(key), 2)} s" + (samples[key].Count > 1 ? $" ({Fmt.F(samples[key].Min(), 2)}-{Fmt.F(samples[key].Max(), 2)})" : "");
        var table = new Table("Build times (median of " + iterations + ")", "build", "template project (Homunculus.Sdk)", "plain console app", "ratio");
        table.Add("cold build (fresh copy: restore, default budget: trains the template's DNN)", S("template.cold"), S("console.cold"), Fmt.Ratio(M("template.cold") / M("console.cold")));
        table.Add("no-op rebuild", S("template.noop"), S("console.noop"), Fmt.Ratio(M("template.noop") / M("console.noop")));
        table.Add("rebuild after a change (template: one training row added, retrains; console: Program.cs edited)", S("template.data"), S("console.edit"), Fmt.Ratio(M("template.data") / M("console.edit")));
        table.Add("cold build with a matching lock file (fresh copy of the project with a search and its anomaly.hspec.lock: trains only the locked configuration)", S("search.locked"), S("console.cold"), Fmt.Ratio(M("search.locked") / M("console.cold")));
        table.Add("for reference: cold build of that project without its lock file (searches 24 trials over the 8 families, writes the lock; 1 build)", S("search.cold"), S("console.cold"), Fmt.Ratio(M("search.cold") / M("console.cold")));
        table.Notes.Add("Cells: median wall-clock seconds of `dotnet build` (Debug) with (min-max); ratio = template median / console median. Build servers and MSBuild node reuse are off for both (as in the SDK end-to-end tests), so every build starts its own MSBuild and C# compiler: absolute times are higher than with warm servers; the ratio compares like with like.");
        table.Notes.Add($"The template project is templates/content/homunculus with Homunculus.Sdk {version} packed from this commit into a local feed (restored offline into a private NuGet folder). It has no `search`, so a data change retrains its one configured model (the search's warm start does not apply). The lock-file rows use the same project with `\"algorithms\"` = the 8 families and `\"search\": {{}}` (default budget); the report of every locked build is checked to say the configuration came from the lock file.");

        return new SuiteResult
        {
            Title = "Build times",
            Description = { "`dotnet build` of the `dotnet new homunculus` project against a plain console app, measured side by side in one run." },
            Tables = { table },
            Headlines =
            {
                new Headline("cold build of the template project (restore + train + compile) vs a plain console app", $"{Fmt.Ratio(M("template.cold") / M("console.cold"))} ({Fmt.F(M("template.cold"), 1)} s vs {Fmt.F(M("console.cold"), 1)} s)"),
                new Headline("no-op rebuild vs a plain console app", $"{Fmt.Ratio(M("template.noop") / M("console.noop"))} ({Fmt.F(M("template.noop"), 1)} s vs {Fmt.F(M("console.noop"), 1)} s)"),
                new Headline("rebuild after a data change vs a console rebuild after a code change", $"{Fmt.Ratio(M("template.data") / M("console.edit"))} ({Fmt.F(M("template.data"), 1)} s vs {Fmt.F(M("console.edit"), 1)} s)"),
                new Headline("cold build with a matching lock file (search project) vs a plain console app", $"{Fmt.Ratio(M("search.locked") / M("console.cold"))} ({Fmt.F(M("search.locked"), 1)} s vs {Fmt.F(M("console.cold"), 1)} s)"),
            },
        };
    }

    private static CommandResult Build(string directory, IReadOnlyDictionary<string, string> env) =>
        Dotnet(directory, env, "build", "-nologo", "-tl:off", "-v:q");

    private static string Fresh(string source, string parent, string name)
    {
        string dir = Path.Combine(parent, name);
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        CopyDirectory(source, dir, skip: null);
        return dir;
    }

    private static void CopyDirectory(string from, string to, string? skip)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.EnumerateDirectories(from))
        {
            string name = Path.GetFileName(dir);
            if (name == skip || name is "bin" or "obj") continue;
            CopyDirectory(dir, Path.Combine(to, name), skip);
        }
    }

    private static CommandResult Require(CommandResult result) =>
        result.ExitCode == 0 ? result : throw new InvalidOperationException("command failed:\n" + result);

    public sealed record CommandResult(string CommandLine, int ExitCode, string Output, TimeSpan Elapsed)
    {
        public override string ToString() => $"$ {CommandLine}\n(exit code {ExitCode}, {Elapsed.TotalSeconds:F1} s)\n{Output}";
    }

    /// <summary>The dotnet CLI as a user runs it: no MSBuild variables from the `dotnet run` that started us, no build servers.</summary>
    public static CommandResult Dotnet(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.ToList())
            if (key.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase) || key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(key);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        foreach (var (k, v) in environment) start.Environment[k] = v;

        var output = new StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit((int)Timeout.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (output) output.AppendLine($"[killed after {Timeout.TotalSeconds:F0} s]");
        }
        else process.WaitForExit();
        clock.Stop();
        lock (output) return new CommandResult("dotnet " + string.Join(" ", arguments), process.HasExited ? process.ExitCode : -1, output.ToString(), clock.Elapsed);
    }
}
