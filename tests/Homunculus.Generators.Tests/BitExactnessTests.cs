using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;
using Homunculus.Model.Interpretation;
using Homunculus.Model.Ir;
using Homunculus.Model.Naming;

namespace Homunculus.Generators.Tests
{
    /// <summary>The generated stub computes exactly what ReferenceInterpreter and FeatureEncoder compute.</summary>
    public class BitExactnessTests
    {
        public static IEnumerable<object[]> Models()
        {
            yield return new object[] { "two-class", false };
            yield return new object[] { "three-class", true };
            for (int seed = 1; seed <= 6; seed++) yield return new object[] { "random-" + seed.ToString(CultureInfo.InvariantCulture), seed % 2 == 0 };
            for (int seed = 1; seed <= 4; seed++) yield return new object[] { "one-layer-" + seed.ToString(CultureInfo.InvariantCulture), seed % 2 == 1 };
        }

        private static ModelFile Build(string name) => name switch
        {
            "two-class" => TestModels.TwoClass(),
            "three-class" => TestModels.ThreeClass(),
            _ when name.StartsWith("one-layer-", StringComparison.Ordinal) => TestModels.RandomOneLayer(int.Parse(name.Substring("one-layer-".Length), CultureInfo.InvariantCulture)),
            _ => TestModels.Random(int.Parse(name.Substring("random-".Length), CultureInfo.InvariantCulture)),
        };

        /// <summary>Array-based entry points into the stub, compiled next to it (spans cannot cross reflection).</summary>
        internal static string Bridge(ModelFile model, string ns = "Test.App")
        {
            string type = "global::" + ns + "." + StubNames.TypeName(model);
            var sb = new StringBuilder();
            sb.AppendLine("#nullable enable");
            sb.AppendLine("public static class Bridge {");
            sb.AppendLine($"  private static {type}.Features Make(long[] ints, double[] doubles) {{ var f = new {type}.Features();");
            for (int i = 0; i < model.Features.Count; i++)
            {
                var feature = model.Features[i];
                string field = Identifiers.CSharp(feature.Name);
                sb.AppendLine(feature.Kind switch
                {
                    FeatureKind.Integer => $"    f.{field} = ints[{i}];",
                    FeatureKind.Fractional => $"    f.{field} = doubles[{i}];",
                    _ => $"    f.{field} = ({type}.{field})(int)ints[{i}];",
                });
            }
            sb.AppendLine("    return f; }");
            sb.AppendLine($"  public static int PredictEncoded(long[] e) => (int){type}.PredictEncoded(e);");
            sb.AppendLine($"  public static int Predict(long[] ints, double[] doubles) => (int){type}.Predict(Make(ints, doubles));");
            sb.AppendLine($"  public static long[] Encode(long[] ints, double[] doubles) {{ var e = new long[{type}.FeatureCount]; {type}.Encode(Make(ints, doubles), e); return e; }}");
            sb.AppendLine($"  public static long[] ParseEncode(string[] values) {{ var f = {type}.Parse(values); var e = new long[{type}.FeatureCount]; {type}.Encode(f, e); return e; }}");
            sb.AppendLine($"  public static int TryGetClass(string? label) => {type}.TryGetClass(label, out var c) ? (int)c : -1;");
            sb.AppendLine($"  public static string[] FeatureNames() => {type}.FeatureNames.ToArray();");
            sb.AppendLine($"  public static string[] ClassNames() => {type}.ClassNames.ToArray();");
            sb.AppendLine($"  public static long PredictMany(long[] ints, double[] doubles, long[] encoded, int n) {{ var f = Make(ints, doubles); long sum = 0; for (int i = 0; i < n; i++) {{ sum += (int){type}.Predict(in f); sum += (int){type}.PredictEncoded(encoded); }} return sum; }}");
            sb.AppendLine("}");
            return sb.ToString();
        }

        internal static Type CompileWithBridge(ModelFile model, bool checkOverflow)
        {
            string stub = GeneratorHarness.Generate(model);
            var (alone, diagnostics) = GeneratorHarness.Compile(checkOverflow, stub);
            Assert.True(diagnostics.IsEmpty, "generated code has diagnostics:\n" + string.Join("\n", diagnostics) + "\n" + stub);
            var (compilation, _) = GeneratorHarness.Compile(checkOverflow, stub, Bridge(model));
            return GeneratorHarness.Load(compilation).GetType("Bridge", throwOnError: true)!;
        }

        private static T Method<T>(Type bridge, string name) where T : Delegate =>
            bridge.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!.CreateDelegate<T>();

        [Theory]
        [MemberData(nameof(Models))]
        public void PredictEncoded_matches_reference_interpreter(string name, bool checkOverflow)
        {
            var model = Build(name);
            var bridge = CompileWithBridge(model, checkOverflow);
            var predictEncoded = Method<Func<long[], int>>(bridge, "PredictEncoded");
            var rng = new Random(12345);
            for (int row = 0; row < 5000; row++)
            {
                long[] encoded = model.Features.Select(f => RandomEncoded(f, rng)).ToArray();
                int expected = ReferenceInterpreter.Predict(model, encoded);
                int actual = predictEncoded(encoded);
                Assert.True(expected == actual, $"row {row}: [{string.Join(", ", encoded)}] reference {expected}, stub {actual}");
            }
            // Every extreme combination of 0 / Max / field max.
            foreach (var encoded in Extremes(model))
            {
                Assert.Equal(ReferenceInterpreter.Predict(model, encoded), predictEncoded(encoded));
            }
            Assert.Throws<ArgumentException>(() => predictEncoded(new long[model.Features.Count + 1]));
        }

        [Theory]
        [MemberData(nameof(Models))]
        public void Predict_and_Encode_match_FeatureEncoder(string name, bool checkOverflow)
        {
            var model = Build(name);
            var bridge = CompileWithBridge(model, checkOverflow);
            var predict = Method<Func<long[], double[], int>>(bridge, "Predict");
            var encode = Method<Func<long[], double[], long[]>>(bridge, "Encode");
            var rng = new Random(777);
            for (int row = 0; row < 5000; row++)
            {
                var ints = new long[model.Features.Count];
                var doubles = new double[model.Features.Count];
                var expected = new long[model.Features.Count];
                for (int f = 0; f < model.Features.Count; f++)
                {
                    var feature = model.Features[f];
                    switch (feature.Kind)
                    {
                        case FeatureKind.Integer:
                            ints[f] = RandomLong(rng);
                            expected[f] = FeatureEncoder.EncodeNumber(feature, ints[f]);
                            break;
                        case FeatureKind.Fractional:
                            doubles[f] = RandomDouble(feature, rng);
                            expected[f] = FeatureEncoder.EncodeNumber(feature, doubles[f]);
                            break;
                        default:
                            ints[f] = rng.Next(0, feature.UnknownCode + 1);
                            expected[f] = ints[f];
                            break;
                    }
                }
                Assert.Equal(expected, encode(ints, doubles));
                Assert.Equal(ReferenceInterpreter.Predict(model, expected), predict(ints, doubles));
            }
        }

        [Theory]
        [MemberData(nameof(Models))]
        public void Parse_matches_FeatureEncoder_on_text(string name, bool checkOverflow)
        {
            var model = Build(name);
            var bridge = CompileWithBridge(model, checkOverflow);
            var parseEncode = Method<Func<string[], long[]>>(bridge, "ParseEncode");
            var rng = new Random(4242);
            for (int row = 0; row < 3000; row++)
            {
                var text = model.Features.Select(f => RandomText(f, rng)).ToArray();
                var expected = model.Features.Select((f, i) => FeatureEncoder.Encode(f, text[i])).ToArray();
                Assert.Equal(expected, parseEncode(text));
            }

            int numeric = Enumerable.Range(0, model.Features.Count).FirstOrDefault(i => model.Features[i].Kind != FeatureKind.Categorical, -1);
            if (numeric >= 0)
            {
                var bad = model.Features.Select(f => f.Kind == FeatureKind.Categorical ? "x" : "1").ToArray();
                bad[numeric] = "12abc";
                var ex = Assert.Throws<FormatException>(() => parseEncode(bad));
                Assert.Contains(model.Features[numeric].Name, ex.Message, StringComparison.Ordinal);
                Assert.Contains("12abc", ex.Message, StringComparison.Ordinal);
            }
            Assert.Throws<ArgumentException>(() => parseEncode(new string[model.Features.Count + 1]));
        }

        [Fact]
        public void Names_and_labels_map_like_the_model()
        {
            var model = TestModels.ThreeClass();
            var bridge = CompileWithBridge(model, checkOverflow: false);
            Assert.Equal(model.Features.Select(f => f.Name), Method<Func<string[]>>(bridge, "FeatureNames")());
            Assert.Equal(model.Classes.Select(c => c.Name), Method<Func<string[]>>(bridge, "ClassNames")());
            var tryGet = Method<Func<string?, int>>(bridge, "TryGetClass");
            Assert.Equal(0, tryGet("normal"));
            Assert.Equal(0, tryGet("ok")); // listed by benign and dos: the first class wins
            Assert.Equal(1, tryGet("nmap"));
            Assert.Equal(2, tryGet("neptune"));
            Assert.Equal(2, tryGet("anything else")); // dos takes every other label
            Assert.Equal(-1, tryGet(null));

            var twoClass = TestModels.TwoClass();
            var tryGet2 = Method<Func<string?, int>>(CompileWithBridge(twoClass, false), "TryGetClass");
            Assert.Equal(0, tryGet2("normal."));
            Assert.Equal(1, tryGet2("smurf."));
        }

        [Fact]
        public void Predict_allocates_nothing()
        {
            var model = TestModels.ThreeClass();
            var bridge = CompileWithBridge(model, checkOverflow: false);
            var many = Method<Func<long[], double[], long[], int, long>>(bridge, "PredictMany");
            var ints = new long[model.Features.Count];
            var doubles = new double[model.Features.Count];
            var encoded = new long[model.Features.Count];
            many(ints, doubles, encoded, 1000); // warm up (JIT)
            long before = GC.GetAllocatedBytesForCurrentThread();
            many(ints, doubles, encoded, 10000);
            long after = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(0, after - before);
        }

        private static IEnumerable<long[]> Extremes(ModelFile model)
        {
            var choices = model.Features.Select(f => new[] { 0L, f.Max, (1L << f.FieldBits) - 1, f.Kind == FeatureKind.Categorical ? f.UnknownCode : f.Max / 2 }).ToArray();
            IEnumerable<long[]> rows = new[] { Array.Empty<long>() };
            foreach (var options in choices)
            {
                rows = rows.SelectMany(r => options.Select(o => r.Append(o).ToArray()));
            }
            return rows;
        }

        private static long RandomEncoded(FeatureEncoding feature, Random rng)
        {
            long fieldMax = (1L << feature.FieldBits) - 1;
            switch (rng.Next(12))
            {
                case 0: return 0;
                case 1: return feature.Max;
                case 2: return fieldMax;
                case 3: return feature.Kind == FeatureKind.Categorical ? feature.UnknownCode : feature.Max + 1;
                case 4: return rng.NextInt64(long.MinValue, long.MaxValue); // beyond the field: the stub must still agree
                case 5: return rng.NextInt64(0, 64);
                default: return rng.NextInt64(0, fieldMax + 1);
            }
        }

        private static long RandomLong(Random rng) => rng.Next(8) switch
        {
            0 => long.MaxValue,
            1 => long.MinValue,
            2 => rng.NextInt64(-1000, 1000),
            3 => rng.NextInt64(long.MinValue, long.MaxValue),
            4 => (1L << 53) + rng.NextInt64(-5, 5),
            _ => rng.NextInt64(0, 1L << rng.Next(1, 40)),
        };

        private static double RandomDouble(FeatureEncoding feature, Random rng) => rng.Next(12) switch
        {
            0 => double.NaN,
            1 => double.PositiveInfinity,
            2 => double.NegativeInfinity,
            3 => 1e300 * (rng.Next(2) * 2 - 1),
            4 => (rng.Next(-1000, 1000) + 0.5) / feature.Scale, // rounding midpoints (as close as a double gets)
            5 => -0.0,
            6 => double.Epsilon,
            7 => (double)feature.Max / feature.Scale + feature.Offset / (double)feature.Scale,
            _ => (rng.NextDouble() * 2 - 0.5) * (feature.Max + Math.Abs(feature.Offset)) / feature.Scale,
        };

        private static string RandomText(FeatureEncoding feature, Random rng)
        {
            if (feature.Kind == FeatureKind.Categorical)
            {
                return rng.Next(4) switch
                {
                    0 => "unseen",
                    1 => "",
                    2 => feature.Categories.Count > 0 ? feature.Categories[0].ToUpperInvariant() + " " : "x",
                    _ => feature.Categories.Count > 0 ? feature.Categories[rng.Next(feature.Categories.Count)] : "y",
                };
            }
            return rng.Next(10) switch
            {
                0 => "NaN" is var nan && feature.Kind == FeatureKind.Fractional ? nan : "0",
                1 => "-Infinity",
                2 => "1e30",
                3 => RandomLong(rng).ToString(CultureInfo.InvariantCulture),
                4 => " 42 ",
                5 => "-0",
                6 => (rng.Next(-1000, 1000) + 0.5).ToString("R", CultureInfo.InvariantCulture),
                _ => RandomDouble(feature, rng) is var d && !double.IsNaN(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "3.25",
            };
        }
    }
}
