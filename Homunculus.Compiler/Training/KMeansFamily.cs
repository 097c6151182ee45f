using System.Collections.Generic;
using System.Threading;
using Homunculus.Compiler.Spec;
using Homunculus.Model.Ir;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Newtonsoft.Json.Linq;

namespace Homunculus.Compiler.Training;

/// <summary>Settings of the "kmeans" family (.hspec "model.kmeans").</summary>
/// <param name="Clusters">Number of clusters; null: 2 per class.</param>
/// <param name="Iterations">Maximum Lloyd iterations.</param>
public sealed record KMeansSettings(int? Clusters, int Iterations);

/// <summary>
/// "kmeans": k-means as a classifier (ML.NET KMeansTrainer, k-means++ initialization, single-threaded, seeded)
/// on standardized inputs; each cluster is labelled with the majority class of the training rows nearest to it
/// (an empty cluster takes the overall majority class). The nearest centroid c minimizes |z - c|^2, i.e.
/// maximizes 2 c.z - |c|^2 (|z|^2 is common to all clusters): one dense layer with weights 2c and bias -|c|^2,
/// one output per cluster, and <see cref="Model.Ir.MlpModel.OutputClasses"/> maps a cluster to its class.
/// </summary>
public sealed class KMeansFamily : IModelFamily
{
    public const int ClustersPerClass = 2;

    public const int MaxClusters = 256;

    public string Name => "kmeans";

    public IReadOnlyList<Search.Dimension> Space { get; } = new[]
    {
        Search.Dimension.Int("clusters", 2, 32, log: true),
        Search.Dimension.Int("iterations", 10, 200, log: true),
    };

    /// <summary>One output per cluster (at most one per training row; the shape does not depend on that bound in practice).</summary>
    public ModelNode? Skeleton(IReadOnlyList<FeatureEncoding> features, int classes, object settings)
    {
        var spec = (KMeansSettings)settings;
        int k = spec.Clusters ?? Math.Min(MaxClusters, ClustersPerClass * classes);
        return MlpFamily.SkeletonOf(MlpFamily.InputLayout(features), new[] { k }, new int[k]);
    }

    public object ReadSettings(JObject? settings, SpecReader reader)
    {
        var defaults = new KMeansSettings(null, 100);
        if (settings is null) return defaults;
        reader.CheckProperties(settings, new[] { "clusters", "iterations" }, "model.kmeans.");
        return new KMeansSettings(
            reader.Integer(settings, "clusters", 1, MaxClusters, "model.kmeans.") ?? defaults.Clusters,
            reader.Integer(settings, "iterations", 1, 100000, "model.kmeans.") ?? defaults.Iterations);
    }

    public FamilyResult Train(TrainingSet data, object settings, int seed, CancellationToken cancellation)
    {
        var spec = (KMeansSettings)settings;
        var layout = MlpFamily.InputLayout(data.Features);
        var trainInts = MlpFamily.IntegerInputs(new MlpModel { Inputs = layout.ToEquatableArray() }, data.Train);
        var (mean, std) = MlpFamily.Standardization(layout, trainInts);
        var z = MlpFamily.Standardize(trainInts, mean, std);
        int width = layout.Count;
        int classes = data.Classes.Count;
        int k = Math.Min(spec.Clusters ?? Math.Min(MaxClusters, ClustersPerClass * classes), Math.Max(1, data.Train.Rows));

        var ml = new MLContext(seed);
        var view = OneLayer.View(ml, z, width, data.Train.Classes, -1);
        var trainer = ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
        {
            NumberOfClusters = k,
            NumberOfThreads = 1,
            MaximumNumberOfIterations = spec.Iterations,
            InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
        });
        var model = trainer.Fit(view).Model;
        cancellation.ThrowIfCancellationRequested();
        VBuffer<float>[] centroids = default!;
        model.GetClusterCentroids(ref centroids, out int found);

        var layer = new OneLayer(layout, found, mean, std);
        for (int c = 0; c < found; c++)
        {
            var dense = new float[width];
            centroids[c].CopyTo(dense);
            double norm = 0;
            for (int i = 0; i < width; i++)
            {
                layer.Weights[c * width + i] = 2.0 * dense[i];
                norm += (double)dense[i] * dense[i];
            }
            layer.Biases[c] = -norm;
        }

        // Label each cluster with the majority class of its training rows (by the float model's assignment).
        var votes = new int[found, classes];
        for (int r = 0; r < trainInts.Length; r++) votes[layer.PredictOutput(trainInts[r]), data.Train.Classes[r]]++;
        int fallback = OneLayer.MajorityClass(data.Train.Classes, classes);
        var outputClasses = new int[found];
        for (int c = 0; c < found; c++)
        {
            int best = fallback, bestVotes = 0;
            for (int cls = 0; cls < classes; cls++)
                if (votes[c, cls] > bestVotes) (best, bestVotes) = (cls, votes[c, cls]);
            outputClasses[c] = best;
        }
        layer.OutputClasses = outputClasses;
        return layer.Export(data, trainInts);
    }
}
