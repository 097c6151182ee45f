using System.Diagnostics;

namespace Homunculus.Bench;

/// <summary>
/// dotnet run -c Release --project bench/Homunculus.Bench -- &lt;quality|search|build|inference|switch|all&gt; [--quick] [--output dir]
/// Writes RESULTS.md, results.csv and results.json into the output folder (default bench/) and, when
/// writing to bench/, the README's Results section.
/// </summary>
public static class Program
{
    private const string Usage = "usage: Homunculus.Bench <quality|search|build|inference|switch|all>[,...] [--quick] [--output <folder>] [--no-readme]\n"
        + "       Homunculus.Bench readme   (rewrite bench/RESULTS.md, results.csv and the README's Results section from bench/results.json, running nothing)";

    public static int Main(string[] args)
    {
        var suites = new List<string>();
        bool quick = false, readme = true;
        string? output = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--no-readme": readme = false; break;
                case "--output" when i + 1 < args.Length: output = args[++i]; break;
                case "-h" or "--help": Console.WriteLine(Usage); return 0;
                default:
                    foreach (var s in args[i].Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (s == "all") suites.AddRange(ResultWriter.SuiteOrder);
                        else if (s == "readme") suites.Add(s);
                        else if (ResultWriter.SuiteOrder.Contains(s)) suites.Add(s);
                        else { Console.Error.WriteLine($"unknown suite or option '{s}'. {Usage}"); return 2; }
                    }
                    break;
            }
        }
        if (suites.Count == 0) { Console.Error.WriteLine(Usage); return 2; }

        string defaultOutput = Path.Combine(Repo.Root, "bench");
        string outputFolder = Path.GetFullPath(output ?? defaultOutput);
        // Only a run that writes bench/RESULTS.md itself rewrites the README (CI writes to a temp folder).
        bool writeReadme = readme && Path.GetFullPath(outputFolder).TrimEnd('/') == defaultOutput.TrimEnd('/');
        Directory.CreateDirectory(outputFolder);

        if (suites.SequenceEqual(new[] { "readme" }))
        {
            var existing = ResultWriter.Merge(outputFolder, Array.Empty<SuiteResult>());
            if (existing.Suites.Count == 0) { Console.Error.WriteLine($"no results.json in {outputFolder}"); return 1; }
            ResultWriter.Write(outputFolder, existing);
            if (writeReadme) ResultWriter.UpdateReadme(Path.Combine(Repo.Root, "README.md"), existing, "bench/RESULTS.md");
            Console.WriteLine($"rewrote {Path.Combine(outputFolder, "RESULTS.md")}{(writeReadme ? " and the Results section of README.md" : "")}");
            return 0;
        }
        if (suites.Contains("readme")) { Console.Error.WriteLine("'readme' runs alone. " + Usage); return 2; }

        var context = new RunContext(quick, outputFolder, Machine.Current(), Repo.Commit());
        Console.WriteLine($"Homunculus.Bench: {string.Join(", ", suites.Distinct())} ({(quick ? "quick" : "full")}) on {context.Machine.Describe()}, commit {context.Commit} -> {outputFolder}");
        var results = new List<SuiteResult>();
        int failures = 0;
        foreach (var suite in suites.Distinct())
        {
            var clock = Stopwatch.StartNew();
            Console.WriteLine($"== {suite}");
            SuiteResult result;
            try
            {
                result = suite switch
                {
                    "quality" => QualitySuite.Run(context),
                    "search" => SearchSuite.Run(context),
                    "build" => BuildSuite.Run(context),
                    "inference" => InferenceSuite.Run(context),
                    "switch" => SwitchSuite.Run(context),
                    _ => throw new InvalidOperationException(suite),
                };
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures++;
                Console.Error.WriteLine($"suite {suite} failed: {e}");
                continue;
            }
            result.Suite = suite;
            result.Mode = result.Pending is not null ? "pending" : quick ? "quick" : "full";
            result.Machine = context.Machine;
            result.DateUtc = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", Fmt.C);
            result.Commit = context.Commit;
            result.Seconds = clock.Elapsed.TotalSeconds;
            results.Add(result);
            Console.WriteLine($"== {suite}: {(result.Pending is null ? "done" : "pending: " + result.Pending)} in {clock.Elapsed.TotalSeconds:F0} s");
        }

        var file = ResultWriter.Merge(outputFolder, results);
        ResultWriter.Write(outputFolder, file);
        Console.WriteLine($"wrote {Path.Combine(outputFolder, "RESULTS.md")}");
        if (writeReadme && ResultWriter.UpdateReadme(Path.Combine(Repo.Root, "README.md"), file, "bench/RESULTS.md"))
            Console.WriteLine("updated the Results section of README.md");
        return failures == 0 ? 0 : 1;
    }
}

public sealed record RunContext(bool Quick, string OutputFolder, Machine Machine, string Commit)
{
    /// <summary>A scratch folder under the system temp folder, deleted at exit unless HOMUNCULUS_BENCH_KEEP=1.</summary>
    public string NewTempFolder(string prefix)
    {
        string path = Path.Combine(Path.GetTempPath(), $"homunculus-bench-{prefix}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(path);
        if (Environment.GetEnvironmentVariable("HOMUNCULUS_BENCH_KEEP") != "1")
            AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(path, true); } catch (IOException) { } catch (UnauthorizedAccessException) { } };
        return path;
    }
}
