using System;
using System.Collections.Generic;
using System.Linq;
using Homunculus.Model.Ir;

namespace Homunculus.Generators.Tests
{
    /// <summary>Small model files built in code: fixed ones covering the brief, and random ones for breadth.</summary>
    public static partial class TestModels
    {
        public static FeatureEncoding Integer(string name, int bits, long offset = 0, long? max = null, long scale = 1) => new FeatureEncoding
        {
            Name = name,
            Kind = FeatureKind.Integer,
            Bits = bits,
            Scale = scale,
            Offset = offset,
            Max = max ?? (bits >= 63 ? long.MaxValue : (1L << bits) - 1),
        };

        public static FeatureEncoding Fractional(string name, int bits, long scale, long offset, long max) => new FeatureEncoding
        {
            Name = name,
            Kind = FeatureKind.Fractional,
            Bits = bits,
            Scale = scale,
            Offset = offset,
            Max = max,
        };

        public static FeatureEncoding Categorical(string name, params string[] categories)
        {
            var sorted = categories.Distinct().OrderBy(c => c, StringComparer.Ordinal).ToArray();
            int bits = 1;
            while ((1L << bits) <= sorted.Length) bits++;
            return new FeatureEncoding
            {
                Name = name,
                Kind = FeatureKind.Categorical,
                Bits = bits,
                Max = sorted.Length,
                Categories = sorted.ToEquatableArray(),
            };
        }

        public static ClassInfo Class(string name, bool other = false, params string[] labels) => new ClassInfo
        {
            Name = name,
            Labels = labels.ToEquatableArray(),
            TakesOtherLabels = other,
        };

        public static MlpInput Input(int feature, InputTransform transform, int code = 0) =>
            new MlpInput { Feature = feature, Transform = transform, Code = code };

        public static DenseLayer Layer(int inputs, int outputs, int[] weights, int[] biases, Activation activation = Activation.None, int shift = 0, int clampMax = 0) => new DenseLayer
        {
            Inputs = inputs,
            Outputs = outputs,
            Weights = weights.ToEquatableArray(),
            Biases = biases.ToEquatableArray(),
            Activation = activation,
            Shift = shift,
            ClampMax = clampMax,
            AccumulatorScale = 0.001,
        };

        internal static ModelFile File(string name, IEnumerable<FeatureEncoding> features, IEnumerable<ClassInfo> classes, IEnumerable<MlpInput> inputs, IEnumerable<DenseLayer> layers) => new ModelFile
        {
            Name = name,
            SpecFile = "anomaly.hspec",
            CompilerVersion = "0.1.0-test",
            Features = features.ToEquatableArray(),
            Classes = classes.ToEquatableArray(),
            Model = new MlpModel { Inputs = inputs.ToEquatableArray(), Layers = layers.ToEquatableArray() },
            Platform = new PlatformInfo { Target = "bmv2" },
        };

        /// <summary>
        /// Three features (wide integer companded, fractional identity, categorical one-hot incl. unknown),
        /// two hidden layers with negative biases, shifts and clamps, two classes.
        /// </summary>
        public static ModelFile TwoClass()
        {
            var features = new[]
            {
                Integer("src_bytes", 32),
                Fractional("same srv rate", 7, 100, -5, 105),
                Categorical("protocol_type", "tcp", "udp", "icmp"),
            };
            var inputs = new[]
            {
                Input(0, InputTransform.Log2Compand),
                Input(1, InputTransform.Identity),
                Input(2, InputTransform.OneHot, 0),
                Input(2, InputTransform.OneHot, 1),
                Input(2, InputTransform.OneHot, 2),
                Input(2, InputTransform.OneHot, 3),
            };
            var layers = new[]
            {
                Layer(6, 4, new[]
                {
                    3, -2, 40, -17, 0, 5,
                    -1, 1, 0, 0, 90, -90,
                    7, 0, -33, 12, 12, 1,
                    0, -4, 2, 2, 2, 2,
                }, new[] { -50, 12, -3, 0 }, Activation.Relu, shift: 2, clampMax: 63),
                Layer(4, 3, new[]
                {
                    5, -7, 3, 1,
                    -2, 4, 0, 9,
                    1, 1, 1, -1,
                }, new[] { -20, 3, 0 }, Activation.Relu, shift: 1, clampMax: 31),
                Layer(3, 2, new[]
                {
                    9, -4, 2,
                    -6, 8, 3,
                }, new[] { 4, -4 }),
            };
            return File("Anomaly Detector", features, new[] { Class("normal", false, "normal."), Class("attack", true) }, inputs, layers);
        }

        /// <summary>
        /// Three classes; weights that overflow 32 bits (wrapping), int.MinValue, duplicate one-hot codes, an identity
        /// input on a wide field (truncation), a hidden layer without activation, a shift beyond 31, a negative offset,
        /// identical output rows (ties), labels mapping several values per class.
        /// </summary>
        public static ModelFile ThreeClass()
        {
            var features = new[]
            {
                Integer("duration", 32, offset: -1000, max: 4_000_000_000),
                Categorical("flag", "SF", "S0", "REJ", "RSTO"),
                Fractional("rate", 12, 1000, 0, 4095),
                Integer("dst port", 16),
                Categorical("service", "http", "ftp"),
            };
            var inputs = new[]
            {
                Input(0, InputTransform.Log2Compand),
                Input(0, InputTransform.Identity),
                Input(1, InputTransform.OneHot, 2),
                Input(1, InputTransform.OneHot, 0),
                Input(1, InputTransform.OneHot, 2),
                Input(2, InputTransform.Identity),
                Input(3, InputTransform.Log2Compand),
                Input(4, InputTransform.Identity),
                Input(4, InputTransform.OneHot, 1),
            };
            var layers = new[]
            {
                Layer(9, 3, new[]
                {
                    1 << 30, 3, -9, 11, 4, 2, -1, 100, int.MinValue,
                    -7, int.MaxValue, 5, 5, 5, -3, 8, -50, 0,
                    0, 0, 0, 0, 0, 0, 0, 0, 0,
                }, new[] { int.MinValue, -1_000_000, 77 }, Activation.Relu, shift: 35, clampMax: 1000),
                Layer(3, 3, new[]
                {
                    2, -1, 0,
                    0, 3, 1,
                    -5, 2, 2,
                }, new[] { 0, -10, 10 }, Activation.None),
                Layer(3, 3, new[]
                {
                    1, 2, 3,
                    -1, 0, 4,
                    1, 2, 3,
                }, new[] { 0, 1, 0 }),
            };
            var classes = new[]
            {
                Class("benign", false, "normal", "ok"),
                Class("scan", false, "portsweep", "nmap", "ipsweep"),
                Class("dos", true, "neptune", "ok"),
            };
            return File("Flow Classifier", features, classes, inputs, layers);
        }

        /// <summary>A random model: random feature kinds, transforms, layer widths and weights (some extreme).</summary>
        public static ModelFile Random(int seed)
        {
            var rng = new Random(seed);
            var features = new List<FeatureEncoding>();
            int featureCount = rng.Next(1, 6);
            for (int f = 0; f < featureCount; f++)
            {
                string name = "feature " + f.ToString(System.Globalization.CultureInfo.InvariantCulture);
                switch (rng.Next(3))
                {
                    case 0:
                        int bits = new[] { 8, 16, 24, 32 }[rng.Next(4)];
                        features.Add(Integer(name, bits, offset: rng.Next(-100, 100)));
                        break;
                    case 1:
                        long scale = new[] { 1L, 10L, 100L, 1000L }[rng.Next(4)];
                        features.Add(Fractional(name, 16, scale, rng.Next(-50, 50), rng.Next(1, 65535)));
                        break;
                    default:
                        features.Add(Categorical(name, Enumerable.Range(0, rng.Next(1, 7)).Select(i => "c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()));
                        break;
                }
            }
            var inputs = new List<MlpInput>();
            for (int f = 0; f < features.Count; f++)
            {
                if (features[f].Kind == FeatureKind.Categorical)
                {
                    for (int code = 0; code <= features[f].UnknownCode; code++)
                    {
                        if (rng.Next(4) != 0) inputs.Add(Input(f, InputTransform.OneHot, code));
                    }
                    if (rng.Next(3) == 0) inputs.Add(Input(f, InputTransform.Identity));
                }
                else
                {
                    inputs.Add(Input(f, rng.Next(2) == 0 ? InputTransform.Log2Compand : InputTransform.Identity));
                }
            }
            if (inputs.Count == 0) inputs.Add(Input(0, InputTransform.Identity));
            int classes = rng.Next(2, 5);
            var layers = new List<DenseLayer>();
            int width = inputs.Count;
            int hidden = rng.Next(0, 3);
            for (int l = 0; l <= hidden; l++)
            {
                bool last = l == hidden;
                int outputs = last ? classes : rng.Next(1, 7);
                var weights = Enumerable.Range(0, width * outputs).Select(_ => Weight(rng)).ToArray();
                var biases = Enumerable.Range(0, outputs).Select(_ => rng.Next(-300, 100)).ToArray();
                layers.Add(last
                    ? Layer(width, outputs, weights, biases)
                    : Layer(width, outputs, weights, biases, Activation.Relu, rng.Next(0, 9), rng.Next(0, 600)));
                width = outputs;
            }
            var classList = Enumerable.Range(0, classes)
                .Select(c => Class("class " + c.ToString(System.Globalization.CultureInfo.InvariantCulture), c == classes - 1, "label" + c.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                .ToArray();
            return File("Random Model " + seed.ToString(System.Globalization.CultureInfo.InvariantCulture), features, classList, inputs, layers);
        }

        private static int Weight(Random rng)
        {
            int kind = rng.Next(20);
            if (kind == 0) return 0;
            if (kind == 1) return rng.Next(int.MinValue, int.MaxValue);
            if (kind == 2) return int.MinValue;
            return rng.Next(-128, 128);
        }
    }
}
