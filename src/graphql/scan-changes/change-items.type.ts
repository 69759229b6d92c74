import { GraphQLSafeInt } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';

import type * as domain from '../../domain/changes';
import { AddressFamily } from '../common/enums';
import { InterfaceAddress } from '../scan-result/interface-address.type';

@ObjectType({ description: 'A text value before and after; either side may be unknown (null).' })
export class ValueChange implements domain.ValueChange {
  @Field(() => String, { nullable: true })
  from!: string | null;
  @Field(() => String, { nullable: true })
  to!: string | null;
}

@ObjectType({ description: 'A byte count before and after.' })
export class ByteCountChange implements domain.ByteCountChange {
  @Field(() => GraphQLSafeInt)
  from!: number;
  @Field(() => GraphQLSafeInt)
  to!: number;
}

@ObjectType({ description: 'An installed package that one of the two scans lacks.' })
export class PackageRef implements domain.PackageRef {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  arch!: string | null;
  @Field(() => String)
  version!: string;
}

@ObjectType({ description: 'A package whose one installed version was replaced by another.' })
export class PackageVersionChange implements domain.PackageVersionChange {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  arch!: string | null;
  @Field(() => String, { description: 'The version the previous scan found.' })
  from!: string;
  @Field(() => String, { description: 'The version this scan found.' })
  to!: string;
}

@ObjectType({ description: 'A pending update, as a PATCHES scan reports it.' })
export class UpdateRef implements domain.UpdateRef {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  arch!: string | null;
  @Field(() => String, { nullable: true })
  currentVersion!: string | null;
  @Field(() => String)
  availableVersion!: string;
  @Field(() => Boolean, { nullable: true })
  security!: boolean | null;
}

@ObjectType({ description: 'A filesystem that one of the two scans lacks.' })
export class FilesystemRef implements domain.FilesystemRef {
  @Field(() => String)
  mount!: string;
  @Field(() => String)
  filesystem!: string;
  @Field(() => GraphQLSafeInt, { nullable: true })
  sizeBytes!: number | null;
  @Field(() => Int, { nullable: true })
  usePercent!: number | null;
}

@ObjectType({ description: 'A filesystem on both sides whose size or whole-percent usage moved.' })
export class FilesystemUsageChange implements domain.FilesystemUsageChange {
  @Field(() => String)
  mount!: string;
  @Field(() => String)
  filesystem!: string;
  @Field(() => GraphQLSafeInt, { nullable: true })
  fromSizeBytes!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true })
  toSizeBytes!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true })
  fromUsedBytes!: number | null;
  @Field(() => GraphQLSafeInt, { nullable: true })
  toUsedBytes!: number | null;
  @Field(() => Int, { nullable: true })
  fromUsePercent!: number | null;
  @Field(() => Int, { nullable: true })
  toUsePercent!: number | null;
}

@ObjectType({ description: 'A network interface that one of the two scans lacks.' })
export class InterfaceRef implements domain.InterfaceRef {
  @Field(() => String)
  name!: string;
  @Field(() => String, { nullable: true })
  mac!: string | null;
  @Field(() => [InterfaceAddress])
  addresses!: InterfaceAddress[];
}

@ObjectType({ description: 'An address added to or removed from an interface both scans saw.' })
export class AddressChange implements domain.AddressChange {
  @Field(() => String)
  interfaceName!: string;
  @Field(() => String)
  address!: string;
  @Field(() => AddressFamily)
  family!: AddressFamily;
  @Field(() => Int)
  prefixLength!: number;
}
