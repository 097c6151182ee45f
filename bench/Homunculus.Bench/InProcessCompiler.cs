using System.Diagnostics;
using Homunculus.Compiler.Data;
using Homunculus.Compiler.Diagnostics;
using Homunculus.Compiler.Pipeline;
using Homunculus.Compiler.Spec;
using Homunculus.Compiler.Training;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Newtonsoft.Json.Linq;

namespace Homunculus.Bench;

/// <summary>The outcome of compiling one generated .hspec in process, with its test-set quality.</summary>
public sealed record CompileOutcome(
    bool Success,
    string? Error,
    ModelFile? Model,
    Metrics? FixedTest,
    IReadOnlyList<ResourceFigure> Figures,
    TimeSpan Elapsed)
{
    public bool Feasible => Success && Figures.All(f => f.Fits);

    /// <summary>The compiler's trials, in order (one per algorithm without a search; the search's log with one).</summary>
    public IReadOnlyList<TrialRecord> Trials { get; init; } = Array.Empty<TrialRecord>();

    /// <summary>The compiler's one-line summary (what it trained or searched, what it chose).</summary>
    public string? Summary { get; init; }

    /// <summary>Rows of the training data (before the validation split) and of the test data, as the compiler loads them.</summary>
    public (int Train, int Test) Rows { get; init; }
}

/// <summary>Runs Homunculus.Compiler's <see cref="Compilation.Run"/> on .hspec files written to a temp folder.</summary>
public static class InProcessCompiler
{
    /// <param name="forceSearch">Search even when a lock file beside the .hspec matches (the compiler's --search).</param>
    public static CompileOutcome Compile(JObject spec, string folder, string fileName, bool forceSearch = false)
    {
        Directory.CreateDirectory(folder);
        string specPath = Path.Combine(folder, fileName + ".hspec");
        File.WriteAllText(specPath, spec.ToString());
        string output = Path.Combine(folder, fileName + ".out");

        var clock = Stopwatch.StartNew();
        // No cache folder: every row trains.
        var result = Compilation.Run(new CompileRequest(specPath, output, CacheFolder: null, DepsFile: null) { ForceSearch = forceSearch }, CancellationToken.None);
        clock.Stop();
        if (!result.Success || result.Model is null)
        {
            string error = string.Join(" / ", result.Diagnostics.Where(d => d.Descriptor.Severity == Homunculus.Model.Diagnostics.DiagnosticSeverity.Error).Select(d => d.Descriptor.Code + ": " + d.Message).DefaultIfEmpty("failed"));
            return new CompileOutcome(false, error, null, null, Array.Empty<ResourceFigure>(), clock.Elapsed) { Trials = result.Trials };
        }

        // Test-set quality of the integer model the switch runs: the reference interpreter (bit-exact
        // with the stub and the data-plane programs) on the test rows as the compiler encodes them.
        var data = LoadData(specPath);
        var test = data.Test;
        var model = result.Model;
        var predictions = new int[test.Rows];
        for (int r = 0; r < test.Rows; r++) predictions[r] = ReferenceInterpreter.Predict(model, test.Row(r));
        var metrics = Metrics.Compute(test.Classes, predictions, model.Classes.Count);
        return new CompileOutcome(true, null, model, metrics, model.Platform.Resources.ToList(), clock.Elapsed) { Trials = result.Trials, Summary = result.Summary, Rows = (data.Train.Rows, test.Rows) };
    }

    private static LoadedData LoadData(string specPath)
    {
        var diagnostics = new DiagnosticBag();
        var spec = HSpecParser.Parse(specPath, File.ReadAllText(specPath), diagnostics) ?? throw new InvalidOperationException("spec: " + string.Join("; ", diagnostics.Items));
        var files = DataLoader.ReadFiles(spec, diagnostics) ?? throw new InvalidOperationException("data: " + string.Join("; ", diagnostics.Items));
        var data = DataLoader.Load(spec, files, diagnostics) ?? throw new InvalidOperationException("data: " + string.Join("; ", diagnostics.Items));
        return data;
    }
}
