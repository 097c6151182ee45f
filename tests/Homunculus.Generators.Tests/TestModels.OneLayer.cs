using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Homunculus.Model.Ir;

namespace Homunculus.Generators.Tests
{
    public static partial class TestModels
    {
        /// <summary>
        /// A random model of the one-layer families' shape: numeric inputs with their squares (identity and
        /// companded bases, so squares of wide identity values wrap), one-hot inputs, one layer, and several
        /// outputs per class mapped through <see cref="MlpModel.OutputClasses"/> (k-means) on odd seeds.
        /// </summary>
        public static ModelFile RandomOneLayer(int seed)
        {
            var rng = new Random(seed * 7919);
            var features = new List<FeatureEncoding>();
            int featureCount = rng.Next(2, 6);
            for (int f = 0; f < featureCount; f++)
            {
                string name = "feature " + f.ToString(CultureInfo.InvariantCulture);
                features.Add(rng.Next(3) switch
                {
                    0 => Integer(name, new[] { 8, 16, 24, 32 }[rng.Next(4)], offset: rng.Next(-100, 100)),
                    1 => Fractional(name, 16, 100, rng.Next(-50, 50), rng.Next(1, 65535)),
                    _ => Categorical(name, Enumerable.Range(0, rng.Next(1, 7)).Select(i => "c" + i.ToString(CultureInfo.InvariantCulture)).ToArray()),
                });
            }
            var inputs = new List<MlpInput>();
            for (int f = 0; f < features.Count; f++)
            {
                if (features[f].Kind == FeatureKind.Categorical)
                {
                    for (int code = 0; code <= features[f].UnknownCode; code++)
                        if (rng.Next(4) != 0) inputs.Add(Input(f, InputTransform.OneHot, code));
                    continue;
                }
                var baseTransform = rng.Next(2) == 0 ? InputTransform.Log2Compand : InputTransform.Identity;
                inputs.Add(Input(f, baseTransform));
                inputs.Add(new MlpInput { Feature = f, Transform = InputTransform.Square, Base = baseTransform });
                if (rng.Next(3) == 0)
                {
                    var other = baseTransform == InputTransform.Identity ? InputTransform.Log2Compand : InputTransform.Identity;
                    inputs.Add(new MlpInput { Feature = f, Transform = InputTransform.Square, Base = other });
                }
            }
            if (inputs.Count == 0) inputs.Add(Input(0, InputTransform.Identity));
            int classes = rng.Next(2, 5);
            bool clusters = seed % 2 == 1;
            int outputs = clusters ? classes * 2 + rng.Next(0, 3) : classes;
            // Small weights on squares keep the other inputs relevant; a few extreme weights exercise wrapping.
            var weights = new int[inputs.Count * outputs];
            for (int j = 0; j < outputs; j++)
                for (int i = 0; i < inputs.Count; i++)
                    weights[j * inputs.Count + i] = inputs[i].Transform == InputTransform.Square && rng.Next(10) != 0 ? rng.Next(-4, 5) : rng.Next(20) == 0 ? rng.Next(int.MinValue, int.MaxValue) : rng.Next(-128, 128);
            var biases = Enumerable.Range(0, outputs).Select(_ => rng.Next(-3000, 3000)).ToArray();
            var outputClasses = clusters
                ? Enumerable.Range(0, outputs).Select(j => j < classes ? classes - 1 - j : rng.Next(classes)).ToArray()
                : Array.Empty<int>();
            var classList = Enumerable.Range(0, classes)
                .Select(c => Class("class " + c.ToString(CultureInfo.InvariantCulture), c == classes - 1, "label" + c.ToString(CultureInfo.InvariantCulture)))
                .ToArray();
            var model = File("One Layer " + seed.ToString(CultureInfo.InvariantCulture), features, classList, inputs, new[] { Layer(inputs.Count, outputs, weights, biases) });
            return model with { Model = ((MlpModel)model.Model) with { OutputClasses = outputClasses.ToEquatableArray() } };
        }
    }
}
