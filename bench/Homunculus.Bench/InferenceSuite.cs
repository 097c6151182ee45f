using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Homunculus.Bench;

/// <summary>One NSL-KDD row as ML.NET reads it: the 7 Taurus features, raw.</summary>
public sealed class KddRow
{
    public float Duration { get; set; }
    public string ProtocolType { get; set; } = "";
    public string Service { get; set; } = "";
    public float SrcBytes { get; set; }
    public float DstBytes { get; set; }
    public float WrongFragment { get; set; }
    public float Urgent { get; set; }
    public bool Label { get; set; }
}

public sealed class KddPrediction
{
    [ColumnName("PredictedLabel")]
    public bool PredictedLabel { get; set; }
}

/// <summary>
/// The same rows for every contender: raw NSL-KDD test rows (the 7 Taurus features), as the stubs'
/// Features structs and as ML.NET input objects; ML.NET models trained on the same training rows with
/// the same family and the settings of our family defaults.
/// </summary>
public static class InferenceData
{
    public const int Rows = 1024;

    public static int[] FeatureColumns { get; } = new[] { "duration", "protocol_type", "service", "src_bytes", "dst_bytes", "wrong_fragment", "urgent" }
        .Select(c => Array.IndexOf(Applications.NslKddColumns, c)).ToArray();

    public static int LabelColumn { get; } = Array.IndexOf(Applications.NslKddColumns, "label");

    private static readonly Lazy<Loaded> Data = new(Load);

    public static Loaded Get() => Data.Value;

    public sealed record Loaded(
        string[][] TestValues,
        bool[] TestAttack,
        BoostedDetector.Features[] Boosted,
        LogisticDetector.Features[] Logistic,
        DnnDetector.Features[] Dnn,
        KddRow[] MlRows,
        PredictionEngine<KddRow, KddPrediction> FastTree,
        PredictionEngine<KddRow, KddPrediction> Sdca);

    public static IEnumerable<(string[] Values, bool Attack)> Read(string file) =>
        File.ReadLines(file).Where(l => l.Length > 0).Select(l => l.Split(','))
            .Select(f => (FeatureColumns.Select(c => f[c]).ToArray(), f[LabelColumn] != "normal"));

    public static KddRow ToMl(string[] v, bool attack) => new()
    {
        Duration = float.Parse(v[0], Fmt.C), ProtocolType = v[1], Service = v[2], SrcBytes = float.Parse(v[3], Fmt.C),
        DstBytes = float.Parse(v[4], Fmt.C), WrongFragment = float.Parse(v[5], Fmt.C), Urgent = float.Parse(v[6], Fmt.C), Label = attack,
    };

    private static Loaded Load()
    {
        string data = Path.Combine(Repo.Root, "samples/AnomalyDetection/data");
        var train = Read(Path.Combine(data, "nsl-kdd-train.csv")).Select(r => ToMl(r.Values, r.Attack)).ToList();
        var test = Read(Path.Combine(data, "nsl-kdd-test.csv")).ToList();

        var ml = new MLContext(seed: 42);
        var trainView = ml.Data.LoadFromEnumerable(train);
        var featurize = ml.Transforms.Categorical.OneHotEncoding(new[] { new InputOutputColumnPair("ProtocolTypeCode", "ProtocolType"), new InputOutputColumnPair("ServiceCode", "Service") })
            .Append(ml.Transforms.Concatenate("Features", "Duration", "ProtocolTypeCode", "ServiceCode", "SrcBytes", "DstBytes", "WrongFragment", "Urgent"));
        // Our boosted defaults (FastTree, 40 trees, 16 leaves, 10 rows per leaf, learning rate 0.2) and logistic defaults (SDCA, 30 iterations, L2 1e-4).
        var fastTree = featurize.Append(ml.BinaryClassification.Trainers.FastTree(new Microsoft.ML.Trainers.FastTree.FastTreeBinaryTrainer.Options
        {
            NumberOfTrees = 40, NumberOfLeaves = 16, MinimumExampleCountPerLeaf = 10, LearningRate = 0.2, NumberOfThreads = 1,
        })).Fit(trainView);
        var sdca = featurize.Append(ml.Transforms.NormalizeMeanVariance("Features"))
            .Append(ml.BinaryClassification.Trainers.SdcaLogisticRegression(new Microsoft.ML.Trainers.SdcaLogisticRegressionBinaryTrainer.Options
            {
                MaximumNumberOfIterations = 30, L2Regularization = 1e-4f, NumberOfThreads = 1,
            })).Fit(trainView);

        // The benchmark rows: the first Rows test rows; the quality check uses every test row.
        var values = test.Select(t => t.Values).ToArray();
        var attack = test.Select(t => t.Attack).ToArray();
        var sample = values.Take(Rows).ToArray();
        return new Loaded(
            values, attack,
            sample.Select(v => BoostedDetector.Parse(v)).ToArray(),
            sample.Select(v => LogisticDetector.Parse(v)).ToArray(),
            sample.Select(v => DnnDetector.Parse(v)).ToArray(),
            sample.Select((v, i) => ToMl(v, attack[i])).ToArray(),
            ml.Model.CreatePredictionEngine<KddRow, KddPrediction>(fastTree),
            ml.Model.CreatePredictionEngine<KddRow, KddPrediction>(sdca));
    }
}

/// <summary>ns and bytes per prediction: each benchmark predicts the same 1024 test rows.</summary>
[MemoryDiagnoser]
public class StubVsMlNet
{
    private InferenceData.Loaded _d = null!;

    [GlobalSetup]
    public void Setup() => _d = InferenceData.Get();

    [Benchmark(OperationsPerInvoke = InferenceData.Rows)]
    public int StubBoosted()
    {
        int attacks = 0;
        var rows = _d.Boosted;
        for (int i = 0; i < rows.Length; i++) attacks += (int)BoostedDetector.Predict(in rows[i]);
        return attacks;
    }

    [Benchmark(OperationsPerInvoke = InferenceData.Rows)]
    public int MlNetFastTree()
    {
        int attacks = 0;
        var rows = _d.MlRows;
        for (int i = 0; i < rows.Length; i++) attacks += _d.FastTree.Predict(rows[i]).PredictedLabel ? 1 : 0;
        return attacks;
    }

    [Benchmark(OperationsPerInvoke = InferenceData.Rows)]
    public int StubLogistic()
    {
        int attacks = 0;
        var rows = _d.Logistic;
        for (int i = 0; i < rows.Length; i++) attacks += (int)LogisticDetector.Predict(in rows[i]);
        return attacks;
    }

    [Benchmark(OperationsPerInvoke = InferenceData.Rows)]
    public int MlNetSdcaLogistic()
    {
        int attacks = 0;
        var rows = _d.MlRows;
        for (int i = 0; i < rows.Length; i++) attacks += _d.Sdca.Predict(rows[i]).PredictedLabel ? 1 : 0;
        return attacks;
    }

    [Benchmark(OperationsPerInvoke = InferenceData.Rows)]
    public int StubDnn()
    {
        int attacks = 0;
        var rows = _d.Dnn;
        for (int i = 0; i < rows.Length; i++) attacks += (int)DnnDetector.Predict(in rows[i]);
        return attacks;
    }
}

/// <summary>
/// Suite 4: BenchmarkDotNet, in process: the generated C# stubs (models/*.hspec, compiled by
/// Homunculus.Sdk when this project builds) against ML.NET PredictionEngines of the same family
/// trained on the same rows.
/// </summary>
public static class InferenceSuite
{
    public static SuiteResult Run(RunContext context)
    {
        var d = InferenceData.Get();
        var quality = new Table("Same models on the whole test set (KDDTest+, 22,544 rows): weighted F1", "model", "weighted F1 (test)");
        quality.Add("stub: boosted (FastTree, our quantized integer trees)", Fmt.F(F1(i => BoostedDetector.Predict(BoostedDetector.Parse(d.TestValues[i])) == BoostedDetector.Class.Attack, d)));
        quality.Add("ML.NET FastTree (float, one-hot categoricals)", Fmt.F(F1(i => d.FastTree.Predict(InferenceData.ToMl(d.TestValues[i], false)).PredictedLabel, d)));
        quality.Add("stub: logistic (SDCA, quantized one dense layer)", Fmt.F(F1(i => LogisticDetector.Predict(LogisticDetector.Parse(d.TestValues[i])) == LogisticDetector.Class.Attack, d)));
        quality.Add("ML.NET SDCA logistic regression (float, one-hot, mean-variance normalized)", Fmt.F(F1(i => d.Sdca.Predict(InferenceData.ToMl(d.TestValues[i], false)).PredictedLabel, d)));
        quality.Add("stub: dnn 12-6-3", Fmt.F(F1(i => DnnDetector.Predict(DnnDetector.Parse(d.TestValues[i])) == DnnDetector.Class.Attack, d)));
        quality.Notes.Add("A check that the pairs are comparable models, not a quality benchmark (the quality suite is).");

        var job = (context.Quick ? Job.Dry : Job.Default).WithToolchain(InProcessEmitToolchain.Instance).WithId(context.Quick ? "dry-inprocess" : "default-inprocess");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .WithArtifactsPath(context.NewTempFolder("bdn"))
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<StubVsMlNet>(config);

        var measured = summary.Reports.ToDictionary(
            r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name,
            r => (Ns: r.ResultStatistics?.Mean ?? double.NaN, Error: r.ResultStatistics?.StandardError ?? double.NaN, Bytes: r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase)));
        (double Ns, double Error, long? Bytes) Get(string name) => measured.TryGetValue(name, out var m) ? m : (double.NaN, double.NaN, null);

        var table = new Table("ns and allocated bytes per prediction (BenchmarkDotNet)", "model", "contender", "ns / prediction", "bytes allocated / prediction", "stub speed-up");
        void Pair(string family, string stub, string mlnet, string mlLabel)
        {
            var s = Get(stub);
            var m = Get(mlnet);
            table.Add(family, "generated C# stub (`Predict(in Features)`: encode + integer model)", Ns(s), Bytes(s.Bytes), Fmt.Ratio(m.Ns / s.Ns));
            table.Add(family, $"ML.NET PredictionEngine ({mlLabel})", Ns(m), Bytes(m.Bytes), "1.00x");
        }
        Pair("boosted / FastTree", nameof(StubVsMlNet.StubBoosted), nameof(StubVsMlNet.MlNetFastTree), "FastTree, 40 trees x 16 leaves");
        Pair("logistic / SDCA", nameof(StubVsMlNet.StubLogistic), nameof(StubVsMlNet.MlNetSdcaLogistic), "SdcaLogisticRegression");
        var dnn = Get(nameof(StubVsMlNet.StubDnn));
        table.Add("dnn 12-6-3", "generated C# stub (ML.NET has no MLP trainer)", Ns(dnn), Bytes(dnn.Bytes), "-");
        table.Notes.Add($"Each benchmark predicts the same {InferenceData.Rows} KDDTest+ rows (raw values, parsed beforehand: the stub's `Features` structs, ML.NET's input objects); ns and bytes are per prediction (OperationsPerInvoke = {InferenceData.Rows}), ± the standard error. Job: {(context.Quick ? "Dry (quick mode: one cold iteration, not a measurement)" : "BenchmarkDotNet default")}, in process (InProcessEmitToolchain). ML.NET: `PredictionEngine.Predict(row)`, one thread, the models trained by ML.NET 5.0.1 on KDDTrain+_20Percent with our families' default settings. The stubs are generated at bench build time from bench/Homunculus.Bench/models/*.hspec by Homunculus.Sdk + Homunculus.Generators.");

        var boosted = (Get(nameof(StubVsMlNet.StubBoosted)), Get(nameof(StubVsMlNet.MlNetFastTree)));
        var logistic = (Get(nameof(StubVsMlNet.StubLogistic)), Get(nameof(StubVsMlNet.MlNetSdcaLogistic)));
        return new SuiteResult
        {
            Title = "Inference: generated C# stub vs ML.NET PredictionEngine",
            Tables = { table, quality },
            Headlines =
            {
                new Headline("stub vs ML.NET PredictionEngine, boosted trees (NSL-KDD)", $"{Fmt.Ratio(boosted.Item2.Ns / boosted.Item1.Ns)} faster ({Fmt.F(boosted.Item1.Ns, 1)} ns, {Bytes(boosted.Item1.Bytes)} B vs {Fmt.F(boosted.Item2.Ns, 1)} ns, {Bytes(boosted.Item2.Bytes)} B per prediction)"),
                new Headline("stub vs ML.NET PredictionEngine, logistic regression (NSL-KDD)", $"{Fmt.Ratio(logistic.Item2.Ns / logistic.Item1.Ns)} faster ({Fmt.F(logistic.Item1.Ns, 1)} ns, {Bytes(logistic.Item1.Bytes)} B vs {Fmt.F(logistic.Item2.Ns, 1)} ns, {Bytes(logistic.Item2.Bytes)} B per prediction)"),
                new Headline("stub, dnn 12-6-3", $"{Fmt.F(dnn.Ns, 1)} ns, {Bytes(dnn.Bytes)} B per prediction"),
            },
        };
    }

    private static string Ns((double Ns, double Error, long? Bytes) m) => double.IsNaN(m.Ns) ? "-" : $"{Fmt.F(m.Ns, 1)} ± {Fmt.F(m.Error, 1)}";

    private static string Bytes(long? bytes) => bytes is { } b ? b.ToString(Fmt.C) : "-";

    private static double F1(Func<int, bool> predictAttack, InferenceData.Loaded d)
    {
        var truth = new int[d.TestValues.Length];
        var predicted = new int[d.TestValues.Length];
        for (int i = 0; i < truth.Length; i++)
        {
            truth[i] = d.TestAttack[i] ? 1 : 0;
            predicted[i] = predictAttack(i) ? 1 : 0;
        }
        return Homunculus.Compiler.Training.Metrics.Compute(truth, predicted, 2).WeightedF1;
    }
}
