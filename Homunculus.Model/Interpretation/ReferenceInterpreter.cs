using System;
using System.Collections.Generic;
using Homunculus.Model.Ir;

namespace Homunculus.Model.Interpretation
{
    /// <summary>
    /// What a model file computes, written plainly: the definition every generated program (C#, P4,
    /// Spatial) must agree with bit for bit.
    /// </summary>
    public static class ReferenceInterpreter
    {
        /// <summary>The class index for one row of encoded features (in model-file feature order).</summary>
        public static int Predict(ModelFile model, IReadOnlyList<long> encoded)
        {
            if (encoded.Count != model.Features.Count)
                throw new ArgumentException($"expected {model.Features.Count} encoded features, got {encoded.Count}");
            return model.Model switch
            {
                MlpModel mlp => PredictMlp(mlp, encoded),
                TreeEnsembleModel trees => TreeInterpreter.Predict(trees, encoded),
                _ => throw new NotSupportedException($"model kind '{model.Model.Kind}' has no interpreter"),
            };
        }

        /// <summary>The integer inputs of the first layer.</summary>
        public static int[] MlpInputs(MlpModel mlp, IReadOnlyList<long> encoded)
        {
            var x = new int[mlp.Inputs.Count];
            for (int i = 0; i < x.Length; i++)
            {
                var input = mlp.Inputs[i];
                long v = encoded[input.Feature];
                x[i] = input.Transform switch
                {
                    InputTransform.OneHot => v == input.Code ? 1 : 0,
                    InputTransform.Square => Square(Transform(input.Base, v)),
                    _ => Transform(input.Transform, v),
                };
            }
            return x;
        }

        private static int Transform(InputTransform transform, long v) => transform switch
        {
            InputTransform.Identity => (int)v,
            InputTransform.Log2Compand => Compand.Apply((uint)v),
            _ => throw new NotSupportedException(transform.ToString()),
        };

        private static int Square(int v) => unchecked(v * v);

        /// <summary>The raw output accumulators (logits in integer units) of the last layer.</summary>
        public static int[] MlpOutputs(MlpModel mlp, IReadOnlyList<long> encoded)
        {
            int[] x = MlpInputs(mlp, encoded);
            foreach (var layer in mlp.Layers)
            {
                var y = new int[layer.Outputs];
                for (int j = 0; j < layer.Outputs; j++)
                {
                    int acc = layer.Biases[j];
                    for (int i = 0; i < layer.Inputs; i++)
                    {
                        acc = unchecked(acc + layer.Weights[j * layer.Inputs + i] * x[i]);
                    }
                    y[j] = Activate(layer, acc);
                }
                x = y;
            }
            return x;
        }

        /// <summary>ReLU, arithmetic shift, clamp; identity for the output layer.</summary>
        public static int Activate(DenseLayer layer, int acc)
        {
            if (layer.Activation == Activation.None) return acc;
            if (acc < 0) acc = 0;
            acc >>= layer.Shift;
            return acc > layer.ClampMax ? layer.ClampMax : acc;
        }

        private static int PredictMlp(MlpModel mlp, IReadOnlyList<long> encoded) => mlp.ClassOfOutput(ArgMax(MlpOutputs(mlp, encoded)));

        /// <summary>Index of the largest value; the lowest index wins ties.</summary>
        public static int ArgMax(IReadOnlyList<int> values)
        {
            int best = 0;
            for (int j = 1; j < values.Count; j++)
            {
                if (values[j] > values[best]) best = j;
            }
            return best;
        }
    }
}
