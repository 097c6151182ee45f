using System.IO;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Pipeline;
using Homunculus.Model.Diagnostics;

namespace Homunculus.Compiler;

/// <summary>
/// <c>homunculus compile &lt;file.hspec&gt; -o &lt;dir&gt; [--cache &lt;dir&gt;] [--deps &lt;file&gt;] [--search]</c>.
/// Diagnostics go to stdout in MSBuild's canonical form; exit code 0 on success, 1 on errors. Progress
/// (one line per trial) also goes to stdout, and on success a last line "homunculus: &lt;file&gt;: summary;
/// report: path" (the MSBuild task shows that one at minimal verbosity). --search ignores the lock file.
/// Never prints a stack trace: an unexpected failure is one HMC9001 line, the details go to a log file.
/// </summary>
public static class Program
{
    private const string Usage = "usage: homunculus compile <file.hspec> -o <output folder> [--cache <folder>] [--deps <file>] [--search]";

    public static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        var request = ParseArguments(args, out string? error);
        if (request is null)
        {
            Console.Out.WriteLine($"homunculus: error {DiagnosticCatalog.Usage.Code}: {error} ({Usage})");
            return 2;
        }
        try
        {
            request = request with
            {
                Progress = line =>
                {
                    lock (Console.Out) Console.Out.WriteLine(line);
                    Console.Out.Flush();
                },
            };
            var result = Compilation.Run(request, cancellation.Token);
            foreach (var diagnostic in result.Diagnostics) Console.Out.WriteLine(diagnostic.ToString());
            if (result.Success)
            {
                string report = Path.Combine(Path.GetFullPath(request.OutputFolder), Emitters.Report.ReportEmitter.HtmlFileName);
                Console.Out.WriteLine($"homunculus: {Path.GetFileName(request.SpecPath)} -> {request.OutputFolder}{(result.FromCache ? " (from cache)" : "")}: {result.Summary}; report: {report}");
            }
            return result.Success ? 0 : 1;
        }
        catch (OperationCanceledException)
        {
            Console.Out.WriteLine(new Diagnostic(DiagnosticCatalog.Cancelled, null, DiagnosticCatalog.Cancelled.Format()).ToString());
            return 1;
        }
        catch (Exception e)
        {
            string log = Path.Combine(Path.GetFullPath(request.OutputFolder), "homunculus-crash.log");
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(log)!);
                File.WriteAllText(log, e.ToString());
            }
            catch (Exception)
            {
                log = "(the log could not be written)";
            }
            var location = new SourceLocation(Path.GetFullPath(request.SpecPath));
            Console.Out.WriteLine(new Diagnostic(DiagnosticCatalog.InternalError, location, DiagnosticCatalog.InternalError.Format(e.Message, log)).ToString());
            return 1;
        }
    }

    internal static CompileRequest? ParseArguments(string[] args, out string? error)
    {
        error = null;
        if (args.Length == 0 || args[0] != "compile")
        {
            error = "expected the 'compile' command";
            return null;
        }
        string? spec = null, output = null, cache = null, deps = null, problem = null;
        bool search = false;
        for (int i = 1; i < args.Length; i++)
        {
            string arg = args[i];
            string? Next()
            {
                if (i + 1 < args.Length) return args[++i];
                problem = $"{arg} needs a value";
                return null;
            }
            switch (arg)
            {
                case "-o" or "--out": output = Next(); break;
                case "--cache": cache = Next(); break;
                case "--deps": deps = Next(); break;
                case "--search": search = true; break;
                default:
                    if (arg.StartsWith('-') || spec is not null)
                    {
                        problem = $"unexpected argument '{arg}'";
                        break;
                    }
                    spec = arg;
                    break;
            }
            if (problem is not null)
            {
                error = problem;
                return null;
            }
        }
        if (spec is null || output is null)
        {
            error = spec is null ? "no .hspec file given" : "no output folder given (-o)";
            return null;
        }
        cache ??= Path.Combine(output, ".cache");
        return new CompileRequest(spec, output, cache, deps) { ForceSearch = search };
    }
}
