package io.openkruise.agents.localcluster.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the test class against the JVM's shared local cluster (real kube-apiserver + node simulator,
 * or the mock tier when {@code -Dkruise.local-cluster.tier=mock}). Test methods, constructors and
 * lifecycle methods can take a {@code KubernetesClient} (admin, defaulting to a fresh namespace
 * made for this class and deleted after it), a {@code LocalCluster}, a {@code LocalNode} (real
 * tier), or a {@code String} parameter annotated {@link TestNamespace}.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LocalClusterExtension.class)
public @interface WithLocalCluster {}
