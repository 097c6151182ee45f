// Runs the anomaly detector that `dotnet build` trained from anomaly.hspec on the test data, prints
// its weighted F1 and where the switch programs are. EdgeGuard.AnomalyDetector is generated from the
// model file (obj/.../homunculus/anomaly/model.json) by the Homunculus source generator.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using EdgeGuard;

var projectDirectory = FindProjectDirectory();
var specPath = Path.Combine(projectDirectory, "anomaly.hspec");

// The test file, the column names, the label column and the features, as the .hspec declares them.
using var spec = JsonDocument.Parse(File.ReadAllText(specPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
var data = spec.RootElement.GetProperty("data");
var testPath = Path.Combine(projectDirectory, data.GetProperty("test").GetString()!);
var columns = data.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
var labelColumn = columns.IndexOf(data.GetProperty("label").GetString()!);
var delimiter = data.TryGetProperty("delimiter", out var d) ? d.GetString()![0] : ',';
var hasHeader = data.TryGetProperty("hasHeader", out var h) && h.GetBoolean();
var featureColumns = spec.RootElement.GetProperty("features").EnumerateArray()
    .Select(f => f.ValueKind == JsonValueKind.String ? f.GetString()! : f.GetProperty("name").GetString()!)
    .Select(name => columns.IndexOf(name))
    .ToArray();

var truth = new List<AnomalyDetector.Class>();
var predicted = new List<AnomalyDetector.Class>();
var unmapped = 0;
var values = new string[featureColumns.Length];
foreach (var line in File.ReadLines(testPath).Skip(hasHeader ? 1 : 0))
{
    if (line.Length == 0)
    {
        continue;
    }

    var fields = line.Split(delimiter);
    if (!AnomalyDetector.TryGetClass(fields[labelColumn], out var cls))
    {
        unmapped++;
        continue;
    }

    for (var i = 0; i < featureColumns.Length; i++)
    {
        values[i] = fields[featureColumns[i]];
    }

    var features = AnomalyDetector.Parse(values);
    truth.Add(cls);
    predicted.Add(AnomalyDetector.Predict(in features));
}

var accuracy = truth.Zip(predicted).Count(p => p.First.Equals(p.Second)) / (double)Math.Max(1, truth.Count);
Console.WriteLine($"Test rows: {truth.Count} ({Path.GetRelativePath(projectDirectory, testPath)}){(unmapped > 0 ? $", {unmapped} with unmapped labels skipped" : "")}");
Console.WriteLine($"Accuracy: {accuracy:F4}");
Console.WriteLine($"Weighted F1: {WeightedF1(truth, predicted):F4}");

// The switch programs the compiler wrote next to the model file.
var outputDirectory = Directory.Exists(Path.Combine(projectDirectory, "obj"))
    ? Directory.EnumerateDirectories(Path.Combine(projectDirectory, "obj"), "anomaly", SearchOption.AllDirectories)
        .Where(dir => Path.GetFileName(Path.GetDirectoryName(dir)) == "homunculus")
        .OrderByDescending(Directory.GetLastWriteTimeUtc)
        .FirstOrDefault()
    : null;
if (outputDirectory is null)
{
    Console.WriteLine("Switch programs: not found under obj/ (build the project first).");
}
else
{
    PrintResources(Path.Combine(outputDirectory, "model.json"));
    Console.WriteLine($"Switch programs ({Path.GetRelativePath(projectDirectory, outputDirectory)}):");
    foreach (var pattern in new[] { "bmv2/*.p4", "taurus/*.scala", "report.md" })
    {
        var folder = Path.Combine(outputDirectory, Path.GetDirectoryName(pattern)!);
        if (!Directory.Exists(folder))
        {
            continue;
        }

        foreach (var file in Directory.EnumerateFiles(folder, Path.GetFileName(pattern)).Order(StringComparer.Ordinal))
        {
            Console.WriteLine($"  {Path.GetRelativePath(projectDirectory, file)}");
        }
    }
}

// The compiler's estimate of what the model costs on the .hspec's target, from the model file.
static void PrintResources(string modelFile)
{
    if (!File.Exists(modelFile))
    {
        return;
    }

    using var model = JsonDocument.Parse(File.ReadAllText(modelFile));
    var platform = model.RootElement.GetProperty("platform");
    Console.WriteLine($"Estimated resources on {platform.GetProperty("target").GetString()}:");
    foreach (var figure in platform.GetProperty("resources").EnumerateArray())
    {
        var budget = figure.TryGetProperty("budget", out var b)
            ? $" (budget {(figure.GetProperty("atLeast").GetBoolean() ? ">=" : "<=")} {b.GetDouble()})"
            : "";
        Console.WriteLine($"  {figure.GetProperty("name").GetString()}: {figure.GetProperty("value").GetDouble()} {figure.GetProperty("unit").GetString()}{budget}");
    }
}

// Weighted F1: each class's F1, weighted by its number of true rows.
static double WeightedF1<T>(IReadOnlyList<T> truth, IReadOnlyList<T> predicted)
    where T : notnull
{
    var total = 0.0;
    foreach (var cls in truth.Distinct())
    {
        int tp = 0, fp = 0, fn = 0, support = 0;
        for (var i = 0; i < truth.Count; i++)
        {
            var isTrue = truth[i].Equals(cls);
            var isPredicted = predicted[i].Equals(cls);
            support += isTrue ? 1 : 0;
            tp += isTrue && isPredicted ? 1 : 0;
            fp += !isTrue && isPredicted ? 1 : 0;
            fn += isTrue && !isPredicted ? 1 : 0;
        }

        var f1 = tp == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + fp + fn);
        total += support * f1;
    }

    return truth.Count == 0 ? 0.0 : total / truth.Count;
}

// The folder of the project file, found upwards from the program (bin/<configuration>/<tfm>/).
static string FindProjectDirectory()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (dir.EnumerateFiles("*.csproj").Any() && File.Exists(Path.Combine(dir.FullName, "anomaly.hspec")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}
